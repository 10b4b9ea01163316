import { Module } from '@nestjs/common';
import { HealthModule } from '#libs/health';
import { MetricsModule } from '#libs/metrics';
import { TransportModule } from '#libs/transport';
import { ClusterController } from './cluster.controller.js';
import { ClusterService } from './cluster.service.js';

/** Node heartbeats over the transport, and GET /api/nodes and /api/channels. */
@Module({
  imports: [TransportModule, HealthModule, MetricsModule],
  controllers: [ClusterController],
  providers: [ClusterService],
  exports: [ClusterService],
})
export class ClusterModule {}
