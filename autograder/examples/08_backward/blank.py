# Blank: the released notebook handed in unchanged.
# expect:
