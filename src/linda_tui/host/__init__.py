"""The host: the Linda that holds the fleet listens on a Unix socket, so that other
terminals (commands, more consoles) reach the running fleet instead of starting their own.
"""
