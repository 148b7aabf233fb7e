# (tests being written)
