print("imapctl")
