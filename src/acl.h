/* acl.h - users, passwords and permissions (Redis 7.0's ACL).
 *
 * Every client runs as one user; the permission check in command_process
 * (acl_check_command) decides, per command, whether that user may run it
 * on those keys and channels. The users live in acl.c, in memory; ACL SAVE
 * and ACL LOAD write and read the `aclfile` (Redis's format, one
 * "user name rule rule ..." line per user).
 *
 * Ownership: users belong to acl.c. A client holds a borrowed pointer to its
 * user; deleting a user (ACL DELUSER, ACL LOAD) closes the clients that were
 * authenticated as it, so no client ever points to a freed user.
 */
#ifndef STRATA_ACL_H
#define STRATA_ACL_H

#include <stddef.h>

struct client;
struct command;
struct resp_arg;
typedef struct acl_user acl_user;

/* Why acl_check_command refused. */
enum { ACL_OK = 0, ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_DENIED_AUTH, ACL_DENIED_CHANNEL };
/* Where it was refused (ACL LOG's "context"). */
enum { ACL_CTX_TOPLEVEL = 0, ACL_CTX_MULTI, ACL_CTX_LUA };

/* Build the default user from requirepass and load `aclfile` when set.
 * Call once the command table and config are ready, before clients. Returns
 * 0, or -1 with a message in err (a bad aclfile stops start-up, as Redis). */
int acl_init(char *err, size_t errlen);
void acl_free_all(void);
/* CONFIG REWRITE's "user" lines (config_rewrite_users_hook): one per user,
 * none when an aclfile holds them. */
void acl_rewrite_users(void (*emit)(const char *line, void *ctx), void *ctx);

/* SHA-256 of p as 64 lowercase hex digits (how passwords are kept). */
void acl_hash_password(const char *p, size_t n, char out[65]);

/* The user new connections run as, and whether they start authenticated
 * (the default user is on and nopass). */
acl_user *acl_default_user(void);
int acl_default_user_open(void);
const char *acl_user_name(const acl_user *u);
/* Protected mode looks at this flag alone (Redis: off or not). */
int acl_default_user_nopass(void);
int acl_user_exists(const char *name, size_t len);

/* CONFIG SET requirepass: the default user gets that one password (or
 * nopass for ""). */
void acl_apply_requirepass(void);

/* AUTH / HELLO AUTH: 0 and c runs as that user, or -1 (nothing replied: the
 * callers reply; the failure is counted and logged in ACL LOG). */
int auth_check_password(struct client *c, const char *user, size_t ulen, const char *pass, size_t plen);

/* May c run cmd with these arguments (argv[0] is the command name)?
 * ACL_OK, or the reason with *errpos the index of the refused key or
 * channel. EXEC calls it again for queued commands. */
int acl_check_command(struct client *c, const struct command *cmd, int argc, const struct resp_arg *argv,
                      int *errpos);
/* Reply the NOPERM error for a refusal of acl_check_command, log it in ACL
 * LOG (context ACL_CTX_*) and count it for INFO. */
void acl_reply_denied(struct client *c, const struct command *cmd, int argc, const struct resp_arg *argv,
                      int reason, int errpos, int context);

/* INFO stats. */
void acl_info_stats(long long *auth, long long *cmd, long long *key, long long *channel);
void acl_reset_stats(void);

#endif
