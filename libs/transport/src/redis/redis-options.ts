import { Inject } from '@nestjs/common';

export interface RedisTransportOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Prepended to every Redis channel name, so several clusters can share one server. */
  prefix: string;
}

export const REDIS_TRANSPORT_OPTIONS = Symbol('REDIS_TRANSPORT_OPTIONS');
export const InjectRedisOptions = (): ParameterDecorator => Inject(REDIS_TRANSPORT_OPTIONS);
