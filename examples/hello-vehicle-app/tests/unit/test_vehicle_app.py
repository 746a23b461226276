import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app" / "src"))

from vehicle_app import check_speed, handle_message  # noqa: E402


def test_over_the_limit():
    assert check_speed({"requestId": 1, "speedKmh": 62, "limitKmh": 50}) == {"requestId": 1, "status": "over", "overByKmh": 12.0}


def test_within_the_limit():
    assert check_speed({"requestId": 2, "speedKmh": 48.5, "limitKmh": 50}) == {"requestId": 2, "status": "ok", "marginKmh": 1.5}


def test_bad_numbers():
    assert check_speed({"requestId": 3, "speedKmh": "fast", "limitKmh": 50})["status"] == "error"
    assert check_speed({"requestId": 4, "speedKmh": -1, "limitKmh": 50})["status"] == "error"


def test_message_round_trip():
    answer = json.loads(handle_message(b'{"requestId": 5, "speedKmh": 30, "limitKmh": 30}'))
    assert answer == {"requestId": 5, "status": "ok", "marginKmh": 0.0}


def test_not_json():
    assert json.loads(handle_message(b"speed!"))["status"] == "error"
