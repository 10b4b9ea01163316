import { Controller, Get } from '@nestjs/common';
import type { ChannelSummary, ClusterNode, ClusterOverview } from './cluster-node.js';
import { ClusterService } from './cluster.service.js';

/** The cluster as this node sees it. Never exposes message payloads. */
@Controller('api')
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
