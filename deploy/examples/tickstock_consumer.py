#!/usr/bin/env python3
"""A TickStockPL consumer of tickgate's pub/sub ticks, written as in the seed
(tickstock-pubsub.md, "Basic TickStockPL Consumer"): redis-py, SUBSCRIBE
tickstock.all_ticks, json.loads each message and read ticker, price, volume,
timestamp. Nothing in it knows about tickgate: it is the seed's consumer,
pointed at the Redis tickgate publishes to.

Connection as in the seed's environment variables (REDIS_HOST, REDIS_PORT,
REDIS_DB) plus REDIS_PASSWORD, or REDIS_URL when set.

    deploy/examples/tickstock_consumer.py                  # print ticks until Ctrl-C
    deploy/examples/tickstock_consumer.py --max-messages 50 --json

--json prints each tick as one JSON line (the parsed message) instead of the
seed's text line; --max-messages and --timeout end the loop (scripts, tests).
"""
import argparse
import json
import os
import sys
import time

import redis


class TickStockPLConsumer:
    def __init__(self, channel="tickstock.all_ticks", as_json=False):
        url = os.environ.get("REDIS_URL")
        if url:
            self.redis_client = redis.Redis.from_url(url, decode_responses=True)
        else:
            self.redis_client = redis.Redis(
                host=os.environ.get("REDIS_HOST", "localhost"),
                port=int(os.environ.get("REDIS_PORT", "6379")),
                db=int(os.environ.get("REDIS_DB", "0")),
                password=os.environ.get("REDIS_PASSWORD") or None,
                decode_responses=True,
            )
        self.subscriber = self.redis_client.pubsub()
        self.channel = channel
        self.as_json = as_json
        self.processed = 0
        self.errors = 0

    def start_consuming(self, max_messages=None, timeout=None):
        # Subscribe to all ticks
        self.subscriber.subscribe(self.channel)
        print("TickStockPL Consumer started...", file=sys.stderr, flush=True)

        deadline = None if timeout is None else time.monotonic() + timeout
        while max_messages is None or self.processed < max_messages:
            wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if wait <= 0:
                break
            message = self.subscriber.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message and message['type'] == 'message':
                self.process_tick_data(message['data'])
        self.subscriber.close()

    def process_tick_data(self, message_data):
        try:
            tick_data = json.loads(message_data)

            # Extract key fields
            ticker = tick_data['ticker']
            price = tick_data['price']
            volume = tick_data['volume']
            timestamp = tick_data['timestamp']

            # YOUR TICKSTOCKPL LOGIC HERE
            if self.as_json:
                print(json.dumps(tick_data), flush=True)
            else:
                print(f"Processing {ticker}: ${price} vol={volume} at {timestamp}", flush=True)
            self.processed += 1

        except Exception as e:
            self.errors += 1
            print(f"Error processing tick: {e}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", default="tickstock.all_ticks")
    parser.add_argument("--max-messages", type=int, help="stop after this many ticks")
    parser.add_argument("--timeout", type=float, help="stop after this many seconds")
    parser.add_argument("--json", action="store_true", help="one JSON line per tick")
    args = parser.parse_args()

    consumer = TickStockPLConsumer(args.channel, args.json)
    try:
        consumer.start_consuming(args.max_messages, args.timeout)
    except KeyboardInterrupt:
        pass
    except redis.RedisError as e:
        print(f"tickstock_consumer: {e}", file=sys.stderr)
        return 1
    print(f"processed {consumer.processed} ticks, {consumer.errors} errors", file=sys.stderr)
    if args.max_messages is not None and consumer.processed < args.max_messages:
        return 3
    return 1 if consumer.errors else 0


if __name__ == "__main__":
    sys.exit(main())
