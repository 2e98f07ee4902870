import { Observable } from 'rxjs';
import type { Logger } from '../logger.js';

type Listener = (message: string, channel: string) => void;

/** The part of a node-redis client that a subscriber connection uses. */
export interface SubscriberClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: Listener): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Sharded pub/sub (Redis 7), used on a Redis Cluster. */
  sSubscribe?(channel: string, listener: Listener): Promise<unknown>;
  sUnsubscribe?(channel: string): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

interface Channel {
  listeners: Set<(message: string | 'listening') => void>;
  subscribed: Promise<unknown>;
  /** Set while the channel has no listener and waits to be unsubscribed. */
  linger: NodeJS.Timeout | null;
}

/**
 * Ms a channel stays subscribed after its last listener left: a lock that is waited for
 * again soon (the usual case under contention) then needs no SUBSCRIBE round trip.
 */
const LINGER = 5_000;
/** Most channels kept subscribed without listeners; the oldest are unsubscribed first. */
const MAX_LINGERING = 1_000;

/**
 * One subscriber connection multiplexed over every channel a store listens to: the first
 * listener of a channel subscribes; a few seconds after the last one left, it unsubscribes.
 * After a reconnect
 * (node-redis resubscribes by itself) every listener hears `listening` again, because
 * messages published while the connection was down are gone.
 */
export class ChannelHub {
  private connection: Promise<SubscriberClient> | null = null;
  private readonly channels = new Map<string, Channel>();
  private readonly lingering = new Set<string>();

  constructor(
    private readonly open: () => SubscriberClient,
    private readonly logger: Logger,
    /** SSUBSCRIBE instead of SUBSCRIBE: channels of a Redis Cluster's slots. */
    private readonly sharded = false,
  ) {}

  /**
   * Emits `'listening'` once the channel is subscribed, then each message published on it.
   *
   * @example
   * ```ts
   * hub.listen('app:released:{report}').subscribe((message) => console.log(message));
   * ```
   */
  listen(channel: string): Observable<string> {
    return new Observable<string>((subscriber) => {
      const listener = (message: string) => subscriber.next(message);
      const entry = this.join(channel, listener);
      entry.subscribed.then(
        () => !subscriber.closed && subscriber.next('listening'),
        () => undefined,
      );
      return () => this.leave(channel, listener);
    });
  }

  /** Closes the subscriber connection; a later `listen` opens a new one. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.channels.forEach((entry) => entry.linger && clearTimeout(entry.linger));
    this.channels.clear();
    this.lingering.clear();
    if (!connection) return;
    const client = await connection.catch(() => null);
    if (client) await (client.close ?? client.quit)?.call(client).catch(() => undefined);
  }

  private join(channel: string, listener: (message: string) => void): Channel {
    let entry = this.channels.get(channel);
    if (!entry) {
      const listeners = new Set<(message: string) => void>();
      const dispatch = (message: string) => listeners.forEach((each) => each(message));
      const subscribed = this.connect().then((client) =>
        this.sharded ? client.sSubscribe!(channel, dispatch) : client.subscribe(channel, dispatch),
      );
      subscribed.catch((error: unknown) => {
        this.logger.error('rx-cluster: subscribing failed; waiters fall back to lock ttl timers', {
          channel,
          error,
        });
        if (this.channels.get(channel) === entry) this.channels.delete(channel);
      });
      entry = { listeners, subscribed, linger: null };
      this.channels.set(channel, entry);
    }
    if (entry.linger) {
      clearTimeout(entry.linger);
      entry.linger = null;
      this.lingering.delete(channel);
    }
    entry.listeners.add(listener);
    return entry;
  }

  private leave(channel: string, listener: (message: string) => void): void {
    const entry = this.channels.get(channel);
    if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) return;
    entry.linger = setTimeout(() => this.unsubscribe(channel), LINGER);
    entry.linger.unref();
    this.lingering.add(channel);
    if (this.lingering.size > MAX_LINGERING) this.unsubscribe(this.lingering.values().next().value!);
  }

  private unsubscribe(channel: string): void {
    const entry = this.channels.get(channel);
    if (!entry || entry.listeners.size > 0) return;
    if (entry.linger) clearTimeout(entry.linger);
    this.channels.delete(channel);
    this.lingering.delete(channel);
    const connection = this.connection;
    entry.subscribed
      .then(() => connection)
      .then((client) => (this.sharded ? client?.sUnsubscribe?.(channel) : client?.unsubscribe(channel)))
      .catch(() => undefined);
  }

  private connect(): Promise<SubscriberClient> {
    if (!this.connection) {
      const client = this.open();
      let healthy = true;
      let connected = false;
      client.on('error', (error) => {
        // node-redis reports every failed reconnect; one line per outage is enough
        if (healthy) this.logger.error('rx-cluster: subscriber connection error', { error });
        healthy = false;
      });
      client.on('ready', () => {
        healthy = true;
        if (connected) this.channels.forEach((entry) => entry.listeners.forEach((each) => each('listening')));
        connected = true;
      });
      this.connection = client.connect().then(() => client);
      this.connection.catch(() => {
        this.connection = null;
      });
    }
    return this.connection;
  }
}
