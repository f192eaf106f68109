print("redis-bench")
