"""Runs against the app's image and a broker on CI's private network: a request published to
the broker must come back answered by the app."""
import json
import os
import queue
import time

import paho.mqtt.client as mqtt

HOST = os.environ.get("MQTT_HOST", "mosquitto")


def test_app_answers_over_mqtt():
    answers: "queue.Queue[dict]" = queue.Queue()
    client = mqtt.Client(client_id="integration-test")
    client.on_message = lambda _c, _u, m: answers.put(json.loads(m.payload))
    for _ in range(60):
        try:
            client.connect(HOST, 1883)
            break
        except OSError:
            time.sleep(0.5)
    client.subscribe("hello/speed/response", qos=1)
    client.loop_start()
    try:
        # The app may subscribe after us: ask until it answers.
        deadline = time.time() + 30
        while time.time() < deadline:
            client.publish("hello/speed/request", json.dumps({"requestId": 42, "speedKmh": 70, "limitKmh": 50}), qos=1)
            try:
                answer = answers.get(timeout=1)
                break
            except queue.Empty:
                continue
        else:
            raise AssertionError("the app did not answer within 30 s")
        assert answer == {"requestId": 42, "status": "over", "overByKmh": 20.0}
    finally:
        client.loop_stop()
        client.disconnect()
