import { Module } from '@nestjs/common';
import { AgentApiModule } from '../agent-api/agent-api.module';
import { InstallController } from './install.controller';

@Module({ imports: [AgentApiModule], controllers: [InstallController] })
export class InstallModule {}
