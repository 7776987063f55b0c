/*
 * auth.h -- users, roles, permissions, sessions, bearer tokens.
 *
 * The role -> permission table (auth.c, `role_perms`) is the one place that
 * says who may do what; routes name the permission they need and the router
 * asks auth_role_can().  Jurisdiction is a region-code prefix ("scope"): a
 * user sees and writes only facts whose region code starts with it; domain
 * queries take the scope and filter inside SQL.
 *
 * Ownership: struct auth_user is filled by value; tokens returned by
 * auth_session_create()/auth_token_create() are written into caller buffers.
 */
#ifndef EPIGRID_CORE_AUTH_H
#define EPIGRID_CORE_AUTH_H
#include <stdint.h>

#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

enum auth_role {
    ROLE_ADMIN,       /* 系统管理员: everything in scope, users, audit */
    ROLE_COMMANDER,   /* 指挥部: command HQ at the scope's level */
    ROLE_GRID_WORKER, /* 网格员: field work in their grid */
    ROLE_HEALTH,      /* 卫健/疾控/医院: cases, contacts, observations */
    ROLE_ORGANISER,   /* 组织部: party organisations and teams */
    ROLE_SUPPLIES,    /* 物资: donations, warehouses, ledger */
    ROLE_INSPECTOR,   /* 督查: inspections and rectification */
    ROLE_VIEWER,      /* 只读 */
    ROLE_COUNT
};

enum auth_perm {
    PERM_PUBLIC,         /* no login needed */
    PERM_LOGIN,          /* any logged-in user */
    PERM_REGION_READ,    /* region tree and roll-up figures */
    PERM_REGION_WRITE,   /* create regions */
    PERM_REGISTRY_READ,  /* households and persons (masked unless PII is visible) */
    PERM_REGISTRY_WRITE, /* create/update households and persons */
    PERM_PII_UNMASK,     /* see full ID numbers and phones on request (audited) */
    PERM_EXPORT,         /* bulk exports: the registry (CLI), the line list of cases */
    PERM_USER_READ,      /* list users in scope */
    PERM_USER_ADMIN,     /* create, disable users, issue tokens */
    PERM_AUDIT_READ,     /* read the audit log */
    PERM_ROUND_MANAGE,   /* open and close screening rounds */
    PERM_FIELD_WRITE,    /* record household visits (field work) */
    PERM_ALERT_HANDLE,   /* acknowledge and resolve alerts */
    PERM_ORG_MANAGE,   /* party organisations, members, teams, applications, rosters, checkpoints */
    PERM_DUTY_WRITE,   /* duty in the field: checkpoint entries, shift check-in and check-out */
    PERM_SUPPLY_READ,  /* items, warehouses, stock, ledger, donations, funds, requests */
    PERM_SUPPLY_WRITE, /* items, donors, donations, warehouses, ledger entries, fulfilment */
    PERM_FUND_WRITE,   /* fund accounts and their in/out entries */
    PERM_SUPPLY_REQUEST, /* ask for supplies (a region, hospital, team, checkpoint) */
    PERM_CASE_READ,      /* cases, contacts, transmission chains, line list */
    PERM_CASE_WRITE,     /* report and change cases, record close contacts */
    PERM_SITE_MANAGE,    /* designated hospitals, fever clinics, quarantine sites */
    PERM_COMMAND_WRITE,  /* response levels, directives, broadcasts, leader links, rectification */
    PERM_INSPECT_WRITE,  /* inspections (督查), their findings, verifying rectifications */
    PERM_COUNT
};

#define AUTH_USERNAME_MAX 64
#define AUTH_TOKEN_HEX    64 /* 256-bit tokens as lower-case hex */

struct auth_user {
    int64_t id;                       /* users.id; 0 for the built-in CLI identity */
    char username[AUTH_USERNAME_MAX]; /* login name */
    char display_name[128];           /* shown in the page header */
    int role;                         /* enum auth_role */
    char scope[REGION_CODE_MAX];      /* jurisdiction: a region code prefix */
    int64_t session_id;               /* sessions.id when authenticated by cookie, else 0 */
    char csrf[AUTH_TOKEN_HEX + 1];    /* CSRF token bound to the cookie session */
};

/* Machine names of roles ("admin", "grid_worker", ...) and permissions. */
const char *auth_role_name(int role);
/* Role from its machine name, or -1. */
int auth_role_from_name(const char *name);
const char *auth_perm_name(int perm);

/* 1 if "role" holds "perm". */
int auth_role_can(int role, int perm);

/* 1 if "user" may see full ID numbers and phones of a person in "grid_code"
 * without asking: a grid worker for the residents of their own grid, the
 * health role within scope.  Everyone else sees masked values. */
int auth_pii_visible(const struct auth_user *user, const char *grid_code);

#define AUTH_COOKIE_NAME              "epigrid_session"
#define AUTH_SESSION_IDLE_SECONDS     (2 * 3600)  /* idle expiry */
#define AUTH_SESSION_ABSOLUTE_SECONDS (12 * 3600) /* absolute expiry */
#define AUTH_THROTTLE_WINDOW_SECONDS  (15 * 60)   /* failed logins are counted this long */

/* Failed-login budgets within AUTH_THROTTLE_WINDOW_SECONDS (issue #16 finding
 * 5: five typos behind one office NAT must not lock everyone out, and
 * failures from one address must not lock the account out elsewhere).
 * 0 in a field means its default. */
struct auth_throttle {
    int per_user_address; /* failures of one username from one address [5]: then that pair waits */
    int per_address;      /* failures from one address, any username [100]: then it waits */
    int per_user_alert;   /* failures of one username from all addresses [20]: an alert only */
};
#define AUTH_THROTTLE_PER_USER_ADDRESS 5
#define AUTH_THROTTLE_PER_ADDRESS      100 /* an office or a campus behind one NAT address */
#define AUTH_THROTTLE_PER_USER_ALERT   20

/* Constant-time comparison of two NUL-terminated tokens. */
int auth_token_equal(const char *a, const char *b);

/* Fills "out" from a cookie session token or a bearer token (one of them
 * non-NULL).  Expired sessions, revoked tokens and disabled users fail with
 * -EP_EUNAUTH.  Touches the session's idle clock at most once a minute. */
int auth_authenticate(struct store *s, const char *session_token, const char *bearer_token,
                      struct auth_user *out, struct ep_error *err);

/* Checks a username and password from client address "ip".  On success
 * creates a session and writes its token (hex) into token_out and fills
 * "out" (with the CSRF token).  Unknown user and wrong password give the
 * same -EP_EUNAUTH answer, in the same time.  Within the window, after
 * "limits" (NULL: the defaults) per_user_address failures of this username
 * from this address, or per_address failures from this address, the answer
 * is -EP_ETHROTTLE with *retry_after seconds, before the password is looked
 * at; the same username from another address is not held up.  Every
 * failure is audited (login_failed); the failure that reaches one of the
 * three budgets also raises a security alert: an audit row "login_burst"
 * (entity "session", entity_id "user_address", "address" or "user") and an
 * event "security.login_burst" in the region of the user's scope (every
 * city when the username is unknown or the burst is the address's), which
 * GET /api/v1/events shows to roles that may read the audit log. */
int auth_login(struct store *s, const char *username, const char *password, const char *ip,
               const struct auth_throttle *limits, struct auth_user *out,
               char token_out[AUTH_TOKEN_HEX + 1], int *retry_after, struct ep_error *err);
/* Ends the session of "user" (cookie sessions only).  Audited. */
int auth_logout(struct store *s, const struct auth_user *user, const char *ip,
                struct ep_error *err);

struct auth_user_input {
    const char *username;     /* 3-32 of [a-z0-9_.-] */
    const char *display_name; /* defaults to the username */
    const char *role;         /* machine name, see auth_role_name */
    const char *scope;        /* region code that exists */
    const char *phone;        /* optional */
    const char *password;     /* at least 8 characters */
};

/* Creates a user, hashing the password with argon2id.  "creator" (NULL from
 * the CLI's initial set-up) must have the new scope inside theirs.  Audited. */
int auth_user_create(struct store *s, const struct auth_user *creator, const char *ip,
                     const struct auth_user_input *in, int64_t *id_out, struct ep_error *err);
/* The changes of a user below (CLI only, audited as the CLI) end every
 * session and revoke every bearer token of the user in the same transaction:
 * whoever was logged in must log in again, with the new password or rights. */
int auth_user_set_password(struct store *s, const char *username, const char *password,
                           struct ep_error *err);
/* Changes the role and/or the scope (NULL: unchanged; not both NULL). */
int auth_user_update(struct store *s, const char *username, const char *role, const char *scope,
                     struct ep_error *err);
/* Disables a user. */
int auth_user_disable(struct store *s, const char *username, struct ep_error *err);
/* Looks a user up by name (no password involved). */
int auth_user_get(struct store *s, const char *username, struct auth_user *out, int *active,
                  struct ep_error *err);

/* Calls fn for each user whose scope lies inside "scope", by username,
 * starting after "after" (cursor, may be NULL), at most "limit" rows. */
typedef int (*auth_user_fn)(const struct auth_user *u, int active, const char *phone, void *ctx);
int auth_user_list(struct store *s, const char *scope, const char *after, int limit,
                   auth_user_fn fn, void *ctx, struct ep_error *err);

/* Bearer tokens for scripts: creates one for "username" and writes it. */
int auth_token_create(struct store *s, const char *username, const char *label,
                      char token_out[AUTH_TOKEN_HEX + 1], int64_t *id_out, struct ep_error *err);
int auth_token_revoke(struct store *s, int64_t id, struct ep_error *err);
typedef int (*auth_token_fn)(int64_t id, const char *username, const char *label,
                             const char *created_at, const char *revoked_at, void *ctx);
int auth_token_list(struct store *s, auth_token_fn fn, void *ctx, struct ep_error *err);

#endif
