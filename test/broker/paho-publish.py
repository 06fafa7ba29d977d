"""Publishes one QoS 1 message with Eclipse Paho (Debian python3-paho-mqtt); prints one JSON line."""
import json
import sys
import time

import paho.mqtt.client as mqtt

host, port, client_id, username, password, topic, payload, ca, cert, key = sys.argv[1:11]
client = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
client.username_pw_set(username, password)
if ca:
    client.tls_set(ca_certs=ca, certfile=cert or None, keyfile=key or None)
result = {}
client.on_connect = lambda c, userdata, flags, rc: result.setdefault("connack", rc)
client.connect(host, int(port), keepalive=30)
client.loop_start()
deadline = time.time() + 10
while "connack" not in result and time.time() < deadline:
    time.sleep(0.02)
if result.get("connack") == 0:
    info = client.publish(topic, payload, qos=1)
    while not info.is_published() and time.time() < deadline:
        time.sleep(0.02)
    result["published"] = info.is_published()
client.disconnect()
client.loop_stop()
print(json.dumps(result))
