"""hello-vehicle-app: a vehicle app in the shape of an Eclipse Velocitas one, small enough to
read in a minute. It listens on MQTT for speed-limit checks and answers each on a response
topic, as Velocitas apps talk to the vehicle's services through a broker.

Request  (topic hello/speed/request):  {"requestId": 7, "speedKmh": 62.0, "limitKmh": 50}
Response (topic hello/speed/response): {"requestId": 7, "status": "over", "overByKmh": 12.0}
"""
import json
import os

REQUEST_TOPIC = "hello/speed/request"
RESPONSE_TOPIC = "hello/speed/response"


def check_speed(request: dict) -> dict:
    """The app's logic, pure: classify a speed against a limit."""
    request_id = request.get("requestId")
    try:
        speed = float(request["speedKmh"])
        limit = float(request["limitKmh"])
    except (KeyError, TypeError, ValueError):
        return {"requestId": request_id, "status": "error", "reason": "speedKmh and limitKmh must be numbers"}
    if speed < 0 or limit <= 0:
        return {"requestId": request_id, "status": "error", "reason": "speeds must not be negative and the limit must be positive"}
    if speed > limit:
        return {"requestId": request_id, "status": "over", "overByKmh": round(speed - limit, 1)}
    return {"requestId": request_id, "status": "ok", "marginKmh": round(limit - speed, 1)}


def handle_message(payload: bytes) -> bytes:
    """One MQTT message in, one out; a message that is not JSON gets an error answer."""
    try:
        request = json.loads(payload)
    except ValueError:
        return json.dumps({"requestId": None, "status": "error", "reason": "not JSON"}).encode()
    if not isinstance(request, dict):
        return json.dumps({"requestId": None, "status": "error", "reason": "not an object"}).encode()
    return json.dumps(check_speed(request)).encode()


def main() -> None:  # pragma: no cover - runs against a broker (the integration test)
    import paho.mqtt.client as mqtt

    client = mqtt.Client(client_id="hello-vehicle-app")

    def on_connect(c, _userdata, _flags, _rc):
        c.subscribe(REQUEST_TOPIC, qos=1)
        print(f"subscribed to {REQUEST_TOPIC}", flush=True)

    def on_message(c, _userdata, message):
        c.publish(RESPONSE_TOPIC, handle_message(message.payload), qos=1)

    client.on_connect = on_connect
    client.on_message = on_message
    host = os.environ.get("MQTT_HOST", "mosquitto")
    # The broker may start after the app: retry until it answers.
    import time
    for _ in range(60):
        try:
            client.connect(host, int(os.environ.get("MQTT_PORT", "1883")))
            break
        except OSError:
            time.sleep(0.5)
    client.loop_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
