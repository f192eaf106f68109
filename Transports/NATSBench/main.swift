print("nats-bench")
