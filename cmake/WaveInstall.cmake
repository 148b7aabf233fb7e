# (install rules being written)
