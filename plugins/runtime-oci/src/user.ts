// The process user is resolved by core (shared with `docker cp -a`); kept here under its old name.
export { resolveUser, type ExecUser } from '@berth/core';
