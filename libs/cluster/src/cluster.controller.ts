import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '#libs/admin';
import type { ChannelSummary, ClusterNode, ClusterOverview } from './cluster-node.js';
import { ClusterService } from './cluster.service.js';

/** The cluster as this node sees it, for the dashboard and operators. Never exposes message payloads. */
@Controller('api')
@UseGuards(AdminTokenGuard)
export class ClusterController {
  constructor(private readonly cluster: ClusterService) {}

  @Get('nodes')
  nodes(): ClusterNode[] {
    return this.cluster.nodes();
  }

  @Get('overview')
  overview(): ClusterOverview {
    return this.cluster.overview();
  }

  @Get('channels')
  channels(): ChannelSummary[] {
    return this.cluster.channels();
  }
}
