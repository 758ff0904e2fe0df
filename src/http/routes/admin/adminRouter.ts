/**
 * `/cspace-services/admin/...`: tenants, users, roles and API tokens of the caller's tenant. Every route needs
 * the `admin` permission (per action); answers are never cached, since some carry secrets once.
 */
import { Router } from 'express';
import type { RoleAdmin } from '../../../services/auth/roleAdmin.js';
import type { TenantAdmin } from '../../../services/auth/tenantAdmin.js';
import type { TokenAdmin } from '../../../services/auth/tokenAdmin.js';
import type { UserAdmin } from '../../../services/auth/userAdmin.js';
import { rolesAdminRouter } from './rolesAdminRouter.js';
import { tenantsAdminRouter } from './tenantsAdminRouter.js';
import { tokensAdminRouter } from './tokensAdminRouter.js';
import { usersAdminRouter } from './usersAdminRouter.js';

export interface AdminServices {
  tenants: TenantAdmin;
  users: UserAdmin;
  roles: RoleAdmin;
  tokens: TokenAdmin;
}

export function adminRouter(services: AdminServices, basePath: string): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use('/tenants', tenantsAdminRouter(services.tenants, `${basePath}/tenants`));
  router.use('/users', usersAdminRouter(services.users, `${basePath}/users`));
  router.use('/roles', rolesAdminRouter(services.roles, `${basePath}/roles`));
  router.use('/tokens', tokensAdminRouter(services.tokens, `${basePath}/tokens`));
  return router;
}
