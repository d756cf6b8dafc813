#!/usr/bin/env python3
"""Login attempts against relayd from a chosen loopback source address, as an attacker's
script makes them: COUNT requests of POST /api/session, all released at once by a barrier
(PARALLEL) or one after another. Prints the answers' status codes as a JSON list.

usage: login_attempts.py PORT SOURCE_ADDRESS NAME PASSWORD COUNT [--parallel] [--name-length N]
"""
import argparse
import http.client
import json
import threading


def attempt(port, source, name, password):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        body = json.dumps({"name": name, "password": password})
        connection.request("POST", "/api/session", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("source")
    parser.add_argument("name")
    parser.add_argument("password")
    parser.add_argument("count", type=int)
    parser.add_argument("--parallel", action="store_true")
    parser.add_argument("--name-length", type=int, default=0, help="pad the name to this many characters")
    arguments = parser.parse_args()
    name = arguments.name
    if arguments.name_length > len(name):
        name = name + "x" * (arguments.name_length - len(name))
    statuses = [0] * arguments.count
    if arguments.parallel:
        barrier = threading.Barrier(arguments.count)

        def run(index):
            barrier.wait()
            statuses[index] = attempt(arguments.port, arguments.source, name, arguments.password)

        threads = [threading.Thread(target=run, args=(index,)) for index in range(arguments.count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for index in range(arguments.count):
            statuses[index] = attempt(arguments.port, arguments.source, name, arguments.password)
    print(json.dumps(statuses))


if __name__ == "__main__":
    main()
