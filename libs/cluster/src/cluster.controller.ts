import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '#libs/admin';
import { ADMIN_TOKEN_AUTH, ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import { channelSummarySchema, clusterNodeSchema, clusterOverviewSchema } from './cluster.api-schemas.js';
import type { ChannelSummary, ClusterNode, ClusterOverview } from './cluster-node.js';
import { ClusterService } from './cluster.service.js';

/** The cluster as this node sees it, for the dashboard and operators. Never exposes message payloads. */
@ApiTags('cluster')
@ApiSecurity(ADMIN_TOKEN_AUTH)
@ApiErrors({
  401: [{ code: 'UNAUTHORIZED', when: 'ADMIN_TOKEN is set and the request does not carry it' }],
  500: [INTERNAL_ERROR_CASE],
})
@Controller('api')
@UseGuards(AdminTokenGuard)
export class ClusterController {
  constructor(private readonly cluster: ClusterService) {}

  @Get('nodes')
  @ApiOperation({ operationId: 'listNodes', summary: 'Every node of the cluster, as this node sees it (gone ones for 5 minutes)' })
  @ApiOkResponse({ description: 'the nodes, this one included (`self`)', schema: { type: 'array', items: clusterNodeSchema } })
  nodes(): ClusterNode[] {
    return this.cluster.nodes();
  }

  @Get('overview')
  @ApiOperation({ operationId: 'overview', summary: "Cluster totals and this node's transport state" })
  @ApiOkResponse({ description: 'the totals', schema: clusterOverviewSchema })
  overview(): ClusterOverview {
    return this.cluster.overview();
  }

  @Get('channels')
  @ApiOperation({ operationId: 'listChannels', summary: 'Channels with subscribers, summed over the cluster, most subscribers first' })
  @ApiOkResponse({ description: 'the channels', schema: { type: 'array', items: channelSummarySchema } })
  channels(): ChannelSummary[] {
    return this.cluster.channels();
  }
}
