import { ADMINISTRATOR_DETECTOR, ensureAdministratorDetector } from '../guardduty/administrator';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { RegionWork } from './model';

/** The administrator's detector in the work's region, found or created (see tasks/guardduty/administrator.ts). */
export const ensureAdministratorDetectorTask = defineTask({
  id: 'EnsureAdministratorDetector',
  entry: __filename,
  environment: taskEnvironment(...ADMINISTRATOR_DETECTOR.variables),
  input: RegionWork,
  needs: { actions: [...ADMINISTRATOR_DETECTOR.actions] },
  run: async (work, deps) => ({
    ...work,
    administratorDetectorId: await ensureAdministratorDetector(work.region, deps),
  }),
});

export const handler = lambdaHandler(ensureAdministratorDetectorTask);
