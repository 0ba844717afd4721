#!/usr/bin/env python3
"""Echo bot in Python: answers every message it gets with "echo: <text>".

    python examples/python/echo_bot.py DATA_DIR [NETWORK_JSON]

DATA_DIR holds the bot's encrypted database (created on first run); NETWORK_JSON is a network
description written by `session-testnet` (omit it for the public Session network). The PIN, if
any, comes from the environment variable ECHO_BOT_PIN, and ECHO_BOT_POLL_INTERVALS="ACTIVE,IDLE"
(seconds, default the SDK's 1.5,15) sets how often it polls for messages. The bot prints its Session ID on the
first line of its output, accepts every message request, and stops cleanly on Ctrl-C (SIGINT)
or SIGTERM.

Needs the binding: pip install ./bindings/python
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from session_sdk import Client, EventKind, LogLevel, SessionError


def main(argv: list) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} DATA_DIR [NETWORK_JSON]", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    settings = {"auto_accept_requests": True, "display_name": "Python echo bot", "log_level": LogLevel.WARN}
    if len(argv) == 3:
        settings["network_file"] = argv[2]
    if os.environ.get("ECHO_BOT_PIN"):
        settings["pin"] = os.environ["ECHO_BOT_PIN"]
    if os.environ.get("ECHO_BOT_POLL_INTERVALS"):
        active, idle = os.environ["ECHO_BOT_POLL_INTERVALS"].split(",")
        settings["poll_intervals"] = (float(active), float(idle))

    answered = 0
    try:
        with Client(argv[1], **settings) as bot:
            print(bot.session_id, flush=True)
            bot.start()
            while not stop.is_set():
                event = bot.next_event(timeout=0.2)
                if event is None:
                    continue
                if event.kind == EventKind.MESSAGE_RECEIVED and event.sender and event.text:
                    bot.send_text(event.sender, f"echo: {event.text}")
                    answered += 1
                    print(f"answered {event.sender}", flush=True)
                elif event.kind == EventKind.LOG:
                    print(f"echo_bot log: {event.text}", file=sys.stderr)
    except SessionError as e:
        print(f"echo_bot: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"stopped after answering {answered} messages", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
