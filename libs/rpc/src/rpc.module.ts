import { Module } from '@nestjs/common';
import { MetricsModule } from '#libs/metrics';
import { RpcService } from './rpc.service.js';

/**
 * Client requests to back-end workers (docs/rpc.md): {@link RpcService} over the backend
 * RPC_BACKEND chooses, whose client library is loaded only then. Needs the `RPC_CONFIG`
 * token, which libs/config's ConfigModule provides.
 */
@Module({
  imports: [MetricsModule],
  providers: [RpcService],
  exports: [RpcService],
})
export class RpcModule {}
