// TestSupport: shared harness for the test targets (servers, ports, temp dirs)
