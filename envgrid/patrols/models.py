"""Inspections (日常/夜查/专项/联合检查) and joint enforcement (联合执法)."""
