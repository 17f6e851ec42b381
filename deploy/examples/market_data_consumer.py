#!/usr/bin/env python3
"""A consumer-group reader of tickgate's streams market_data_stream:<SYMBOL>,
written as the seed's consumer library is used (market-data-redis-streamer.md:
create_redis_consumer, add_message_handler, subscribe_to_multiple_symbols,
get_latest_tick, get_stream_info; MarketDataTick with the seed's fields) on
redis-py's asyncio client, with the consumer-group pattern of
tickstock-pubsub.md ("Scaling Strategies": XGROUP CREATE … MKSTREAM, ignore
BUSYGROUP, XREADGROUP with '>' COUNT 10 BLOCK 1000) and XACK after each tick
is handled. A restarted consumer first re-reads its own pending entries
(delivered, never acknowledged), then new ones: nothing is lost or skipped.

    REDIS_URL=redis://localhost:6379 deploy/examples/market_data_consumer.py RELIANCE TCS
    … --group strategies --consumer worker-1 --start-id 0 --max-ticks 100 --json

--start-id is where a new group starts ('$': new entries only, the default;
'0': the whole retained stream). --json prints one JSON line per tick.
"""
import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import redis
import redis.asyncio as aioredis

STREAM_PREFIX = "market_data_stream:"


@dataclass
class MarketDataTick:
    symbol: str
    token: str
    ltp: float
    change: float
    change_percent: float
    high: float
    low: float
    volume: int
    bid: float
    ask: float
    open: float
    close: float
    timestamp: str
    exchange_timestamp: str
    stream_id: str = ""
    extras: Dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_stream(cls, stream_id: str, fields: Dict[str, str]) -> "MarketDataTick":
        known = {f.name for f in dataclasses.fields(cls)} - {"stream_id", "extras"}
        return cls(
            symbol=fields["symbol"],
            token=fields["token"],
            ltp=float(fields["ltp"]),
            change=float(fields["change"]),
            change_percent=float(fields["change_percent"]),
            high=float(fields["high"]),
            low=float(fields["low"]),
            volume=int(fields["volume"]),
            bid=float(fields["bid"]),
            ask=float(fields["ask"]),
            open=float(fields["open"]),
            close=float(fields["close"]),
            timestamp=fields["timestamp"],
            exchange_timestamp=fields["exchange_timestamp"],
            stream_id=stream_id,
            extras={k: v for k, v in fields.items() if k not in known},
        )


class RedisMarketDataConsumer:
    def __init__(self, redis_url: str, group: str = "market-data-consumers",
                 consumer: str = "consumer-1", start_id: str = "$"):
        self.redis_url = redis_url
        self.group = group
        self.consumer = consumer
        self.start_id = start_id
        self.client: Optional[aioredis.Redis] = None
        self.handlers: List[Callable[[MarketDataTick], None]] = []
        self.streams: Dict[str, str] = {}  # stream → next ID to read ('0': own pending first)
        self.handled = 0

    async def connect(self):
        self.client = aioredis.from_url(self.redis_url, decode_responses=True)
        await self.client.ping()

    async def disconnect(self):
        if self.client is not None:
            await self.client.close()

    def add_message_handler(self, handler: Callable[[MarketDataTick], None]):
        self.handlers.append(handler)

    async def subscribe_to_symbol(self, symbol: str):
        stream = STREAM_PREFIX + symbol
        try:
            await self.client.xgroup_create(stream, self.group, id=self.start_id, mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise  # Group already exists otherwise
        self.streams[stream] = "0"

    async def subscribe_to_multiple_symbols(self, symbols: List[str]):
        for symbol in symbols:
            await self.subscribe_to_symbol(symbol)

    async def get_latest_tick(self, symbol: str) -> Optional[MarketDataTick]:
        entries = await self.client.xrevrange(STREAM_PREFIX + symbol, count=1)
        if not entries:
            return None
        stream_id, fields = entries[0]
        return MarketDataTick.from_stream(stream_id, fields)

    async def get_stream_info(self, symbol: str) -> dict:
        return await self.client.xinfo_stream(STREAM_PREFIX + symbol)

    async def run(self, max_ticks: Optional[int] = None, timeout: Optional[float] = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.streams and (max_ticks is None or self.handled < max_ticks):
            block = 1000
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                block = max(1, min(block, int(left * 1000)))
            pending = any(i != ">" for i in self.streams.values())
            count = 10 if max_ticks is None else min(10, max_ticks - self.handled)
            messages = await self.client.xreadgroup(
                self.group, self.consumer, self.streams, count=count,
                block=None if pending else block)
            got = 0
            for stream, entries in messages:
                for stream_id, fields in entries:
                    if max_ticks is not None and self.handled >= max_ticks:
                        break
                    if fields:  # None: trimmed away while pending
                        tick = MarketDataTick.from_stream(stream_id, fields)
                        for handler in self.handlers:
                            handler(tick)
                    await self.client.xack(stream, self.group, stream_id)
                    self.handled += 1
                    got += 1
            if pending and got == 0:
                # Own pending entries done: from now on, new ones.
                self.streams = {s: ">" for s in self.streams}


def create_redis_consumer(redis_url: Optional[str] = None, **kwargs) -> RedisMarketDataConsumer:
    return RedisMarketDataConsumer(redis_url or os.environ.get("REDIS_URL", "redis://localhost:6379"),
                                   **kwargs)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("symbols", nargs="+")
    parser.add_argument("--group", default="market-data-consumers")
    parser.add_argument("--consumer", default="consumer-1")
    parser.add_argument("--start-id", default="$", help="where a new group starts: $ or 0 or an ID")
    parser.add_argument("--max-ticks", type=int)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    consumer = create_redis_consumer(group=args.group, consumer=args.consumer,
                                     start_id=args.start_id)
    await consumer.connect()

    def handle_tick(tick: MarketDataTick):
        if args.json:
            print(json.dumps(dataclasses.asdict(tick)), flush=True)
        else:
            print(f"{tick.symbol}: LTP={tick.ltp}, Change={tick.change_percent:.2f}%", flush=True)

    consumer.add_message_handler(handle_tick)
    await consumer.subscribe_to_multiple_symbols(args.symbols)
    try:
        await consumer.run(args.max_ticks, args.timeout)
    finally:
        await consumer.disconnect()
    print(f"handled {consumer.handled} ticks", file=sys.stderr)
    return 3 if args.max_ticks is not None and consumer.handled < args.max_ticks else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(0)
    except redis.RedisError as e:
        print(f"market_data_consumer: {e}", file=sys.stderr)
        sys.exit(1)
