"""Supervised objects of the six source families (六源) and their 分包 responsibility."""
