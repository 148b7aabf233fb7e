# (common unit tests being written)
