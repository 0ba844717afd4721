"""examples/python/echo_bot.py against the testnet: it prints its Session ID first, answers
every message (from a stranger: auto-accepted request), and stops cleanly on SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from conftest import REPO, wait_message
from session_sdk import is_valid_session_id

BOT = REPO / "examples" / "python" / "echo_bot.py"


def test_usage_error() -> None:
    r = subprocess.run([sys.executable, str(BOT)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr


def test_echo_bot_answers_and_stops_on_sigint(make_client, testnet, tmp_path: Path) -> None:
    bot = subprocess.Popen(
        [sys.executable, str(BOT), str(tmp_path / "bot"), str(testnet.description)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, ECHO_BOT_POLL_INTERVALS="0.3,0.6"),
    )
    try:
        first: list = []
        reader = threading.Thread(target=lambda: first.append(bot.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(60)
        assert first and is_valid_session_id(first[0].strip()), f"first line {first!r}"
        bot_id = first[0].strip()

        user = make_client("user")
        user.start()
        for text in ("ping", "second"):
            user.send_text(bot_id, text)
            echo = wait_message(user, f"echo: {text}")
            assert echo.sender == bot_id
    finally:
        bot.send_signal(signal.SIGINT)
        out, err = bot.communicate(timeout=60)
    assert bot.returncode == 0, err
    assert out.splitlines()[-1] == "stopped after answering 2 messages", out
