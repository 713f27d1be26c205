"""The board's panels. Each takes a `Board` through its `board` reactive and renders it; none sees the engine."""
