/* acl.c - users, AUTH, the per-command permission check, ACL LOG and the
 * ACL command (Redis 7.0's ACL).
 *
 * A user is a set of passwords (SHA-256 hex, as Redis keeps them: the clear
 * text is never stored), on/off and nopass flags, and its permissions:
 *
 *   commands  one byte per "ACL id": every row of the command table, then
 *             every subcommand of a container command ("config|get"), which
 *             Redis treats as a command of its own in rules and categories.
 *             `future` says +@all was the last whole-set rule, so commands
 *             added later are allowed too (and the description starts with
 *             "+@all").
 *   keys      glob patterns, each for reading, writing or both (~, %R~, %W~)
 *   channels  glob patterns for pub/sub channels (&)
 *   selectors more such sets, "(~a +get)": a call is allowed when the
 *             user's own set or any selector allows it
 *
 * Rules are applied to a copy of the user and only stored when all of them
 * parse, so ACL SETUSER is all or nothing, as in Redis.
 *
 * The description of a user (ACL LIST, GETUSER "commands", ACL SAVE) is not a
 * log of the rules given but Redis 7.0's reconstruction from the bitmap:
 * start from +@all or -@all, add every category more than half covered (or
 * remove every category more than half uncovered), then name the single
 * commands still different. The single commands come in command-table
 * order; Redis walks a hash table there, so its order is arbitrary.
 *
 * The users live in one array sorted by name (ACL USERS and LIST order).
 * The ACL LOG is an array, newest first, at most acllog-max-len entries.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "acl.h"
#include "server.h"
#include "sha256.h"
#include "util.h"

void acl_hash_password(const char *p, size_t n, char out[65]) { sha256_hex(p, n, out); }


/* ---------------------------------------------------------------------------
 * Categories and ACL ids
 * ------------------------------------------------------------------------ */

/* Redis's order: ACL CAT lists them so. */
static const char *categories[] = {
    "keyspace", "read",     "write",     "set",   "sortedset", "list",       "hash",
    "string",   "bitmap",   "hyperloglog", "geo", "stream",    "pubsub",     "admin",
    "fast",     "slow",     "blocking",  "dangerous", "connection", "transaction", "scripting",
};
#define NCATS ((int)(sizeof(categories) / sizeof(categories[0])))

static int category_index(const char *name, size_t len) {
    for (int i = 0; i < NCATS; i++)
        if (strlen(categories[i]) == len && strncasecmp(categories[i], name, len) == 0) return i;
    return -1;
}

static uint32_t parse_categories(const char *acl) {
    uint32_t cats = 0;
    for (const char *p = acl; p && *p;) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ' ') p++;
        int i = category_index(w, (size_t)(p - w));
        if (i >= 0) cats |= 1u << i;
    }
    return cats;
}

typedef struct acl_cmd {
    char name[64];       /* "get", "config|get" */
    const command *cmd;  /* the table row (the parent's, for a subcommand) */
    int parent;          /* ACL id of the parent; -1 for a top-level command */
    int first_sub, nsubs;
    uint32_t cats;
} acl_cmd;

static acl_cmd *ids;
static int nids;

static void build_ids(void) {
    int ncmd = command_count(), cap = ncmd + 64;
    ids = calloc((size_t)cap, sizeof(*ids));
    for (int i = 0; i < ncmd; i++) {
        const command *cmd = command_at(i);
        snprintf(ids[i].name, sizeof(ids[i].name), "%s", cmd->name);
        ids[i].cmd = cmd;
        ids[i].parent = -1;
        ids[i].cats = parse_categories(cmd->acl);
    }
    nids = ncmd;
    /* Subcommands: the "parent|sub" rows of the docs table are the ones
     * strata implements; their categories come from keyspecs.c. */
    for (int i = 0; i < ncmd; i++) {
        size_t plen = strlen(ids[i].name);
        ids[i].first_sub = nids;
        for (int j = 0; j < command_doc_count(); j++) {
            const char *dn = command_doc_at(j)->name;
            if (strncasecmp(dn, ids[i].name, plen) != 0 || dn[plen] != '|') continue;
            if (nids == cap) {
                cap *= 2;
                ids = realloc(ids, sizeof(*ids) * (size_t)cap);
            }
            acl_cmd *s = &ids[nids++];
            memset(s, 0, sizeof(*s));
            snprintf(s->name, sizeof(s->name), "%s", dn);
            for (char *q = s->name; *q; q++) *q = (char)tolower((unsigned char)*q);
            s->cmd = ids[i].cmd;
            s->parent = i;
            s->cats = ids[i].cats;
            for (const subcommand_acl *t = subcommand_acl_table; t->name; t++)
                if (!strcasecmp(t->name, dn)) s->cats = parse_categories(t->acl);
        }
        ids[i].nsubs = nids - ids[i].first_sub;
    }
}

static int id_lookup(const char *name, size_t len) {
    for (int i = 0; i < nids; i++)
        if (strlen(ids[i].name) == len && strncasecmp(ids[i].name, name, len) == 0) return i;
    return -1;
}

/* The id a call runs under: the subcommand's for a container command with a
 * known subcommand, else the command's. */
static int id_of_call(const command *cmd, int argc, const resp_arg *argv) {
    int id = (int)(cmd - command_at(0));
    if (id < 0 || id >= command_count() || ids[id].cmd != cmd) return -1;
    if (ids[id].nsubs && argc >= 2) {
        size_t plen = strlen(ids[id].name);
        for (int s = ids[id].first_sub; s < ids[id].first_sub + ids[id].nsubs; s++) {
            const char *sub = ids[s].name + plen + 1;
            if (strlen(sub) == argv[1].len && strncasecmp(sub, argv[1].ptr, argv[1].len) == 0) return s;
        }
    }
    return id;
}

/* ---------------------------------------------------------------------------
 * Users
 * ------------------------------------------------------------------------ */

enum { UF_ON = 1, UF_OFF = 2, UF_NOPASS = 4, UF_SKIP_SANITIZE = 8, UF_SANITIZE = 16 };
static const struct {
    int flag;
    const char *name;
} user_flags[] = {
    {UF_ON, "on"}, {UF_OFF, "off"}, {UF_NOPASS, "nopass"},
    {UF_SKIP_SANITIZE, "skip-sanitize-payload"}, {UF_SANITIZE, "sanitize-payload"},
};
#define NUSER_FLAGS ((int)(sizeof(user_flags) / sizeof(user_flags[0])))

enum { KP_READ = 1, KP_WRITE = 2, KP_ALL = 3 };

typedef struct pattern {
    char *p;
    size_t len;
    int flags; /* KP_* for key patterns */
} pattern;

/* Allowed first arguments of a command whose bit is off ("+select|0"). */
typedef struct firstargs {
    char **args;
    int n;
} firstargs;

struct acl_user {
    char *name;
    int flags;
    char (*pass)[65];
    int npass;
    unsigned char *allowed; /* nids bytes */
    firstargs *first;       /* nids entries, or NULL when none anywhere */
    int future;
    pattern *keys;
    int nkeys, allkeys;
    pattern *chans;
    int nchans, allchannels;
    /* Selectors "(...)": more permission sets (an acl_user of which only
     * the permission fields are used); a call is allowed when the user's
     * own set or any selector allows it. */
    struct acl_user **sel;
    int nsel;
};

static acl_user **users;
static int nusers, capusers;
static acl_user *default_user;

static acl_user *user_new(const char *name, size_t len) {
    acl_user *u = calloc(1, sizeof(*u));
    u->name = malloc(len + 1);
    memcpy(u->name, name, len);
    u->name[len] = 0;
    u->flags = UF_OFF;
    u->allowed = calloc((size_t)nids, 1);
    return u;
}

static void firstargs_clear(acl_user *u, int id) {
    if (!u->first) return;
    for (int i = 0; i < u->first[id].n; i++) free(u->first[id].args[i]);
    free(u->first[id].args);
    u->first[id].args = NULL;
    u->first[id].n = 0;
}

static void patterns_free(pattern *p, int n) {
    for (int i = 0; i < n; i++) free(p[i].p);
    free(p);
}

static void user_free(acl_user *u);

static void clear_selectors(acl_user *u) {
    for (int i = 0; i < u->nsel; i++) user_free(u->sel[i]);
    free(u->sel);
    u->sel = NULL;
    u->nsel = 0;
}

static void user_free(acl_user *u) {
    if (!u) return;
    clear_selectors(u);
    if (u->first)
        for (int i = 0; i < nids; i++) firstargs_clear(u, i);
    free(u->first);
    free(u->name);
    free(u->pass);
    free(u->allowed);
    patterns_free(u->keys, u->nkeys);
    patterns_free(u->chans, u->nchans);
    free(u);
}

static pattern *patterns_copy(const pattern *p, int n) {
    if (n == 0) return NULL;
    pattern *c = malloc(sizeof(*c) * (size_t)n);
    for (int i = 0; i < n; i++) {
        c[i] = p[i];
        c[i].p = malloc(p[i].len + 1);
        memcpy(c[i].p, p[i].p, p[i].len + 1);
    }
    return c;
}

static acl_user *user_copy(const acl_user *src) {
    acl_user *u = user_new(src->name, strlen(src->name));
    u->flags = src->flags;
    u->npass = src->npass;
    if (src->npass) {
        u->pass = malloc(sizeof(*u->pass) * (size_t)src->npass);
        memcpy(u->pass, src->pass, sizeof(*u->pass) * (size_t)src->npass);
    }
    memcpy(u->allowed, src->allowed, (size_t)nids);
    if (src->first) {
        u->first = calloc((size_t)nids, sizeof(*u->first));
        for (int i = 0; i < nids; i++) {
            if (!src->first[i].n) continue;
            u->first[i].n = src->first[i].n;
            u->first[i].args = malloc(sizeof(char *) * (size_t)src->first[i].n);
            for (int j = 0; j < src->first[i].n; j++) u->first[i].args[j] = strdup(src->first[i].args[j]);
        }
    }
    u->future = src->future;
    u->keys = patterns_copy(src->keys, src->nkeys);
    u->nkeys = src->nkeys;
    u->allkeys = src->allkeys;
    u->chans = patterns_copy(src->chans, src->nchans);
    u->nchans = src->nchans;
    u->allchannels = src->allchannels;
    if (src->nsel) {
        u->sel = malloc(sizeof(*u->sel) * (size_t)src->nsel);
        for (int i = 0; i < src->nsel; i++) u->sel[i] = user_copy(src->sel[i]);
        u->nsel = src->nsel;
    }
    return u;
}

/* Move everything of src into dst (dst keeps its address: clients point to
 * it) and free src's shell. */
static void user_replace(acl_user *dst, acl_user *src) {
    acl_user tmp = *dst;
    *dst = *src;
    *src = tmp;
    user_free(src);
}

static int user_cmp(const char *a, size_t alen, const char *b) {
    size_t blen = strlen(b), n = alen < blen ? alen : blen;
    int r = memcmp(a, b, n);
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

/* Index of the user named name, or -(insertion point) - 1. */
static int user_find(const char *name, size_t len) {
    int lo = 0, hi = nusers - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = user_cmp(name, len, users[mid]->name);
        if (r == 0) return mid;
        if (r < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return -lo - 1;
}

static acl_user *user_get(const char *name, size_t len) {
    int i = user_find(name, len);
    return i >= 0 ? users[i] : NULL;
}

static void user_insert(acl_user *u) {
    int i = user_find(u->name, strlen(u->name));
    if (i >= 0) return;
    i = -i - 1;
    if (nusers == capusers) {
        capusers = capusers ? capusers * 2 : 8;
        users = realloc(users, sizeof(*users) * (size_t)capusers);
    }
    memmove(users + i + 1, users + i, sizeof(*users) * (size_t)(nusers - i));
    users[i] = u;
    nusers++;
}

static void user_remove_at(int i) {
    memmove(users + i, users + i + 1, sizeof(*users) * (size_t)(nusers - i - 1));
    nusers--;
}

acl_user *acl_default_user(void) { return default_user; }
int acl_default_user_open(void) {
    return (default_user->flags & UF_NOPASS) && !(default_user->flags & UF_OFF);
}
const char *acl_user_name(const acl_user *u) { return u ? u->name : "default"; }
int acl_user_exists(const char *name, size_t len) { return user_get(name, len) != NULL; }
int acl_default_user_nopass(void) { return (default_user->flags & UF_NOPASS) != 0; }

/* A growing string (descriptions, merged rules). */
static void sb_add(char **s, size_t *len, size_t *cap, const char *p, size_t n) {
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *s = realloc(*s, *cap);
    }
    memcpy(*s + *len, p, n);
    *len += n;
    (*s)[*len] = 0;
}

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static void sb_cat(strbuf *b, const char *s) { sb_add(&b->p, &b->len, &b->cap, s, strlen(s)); }
static void sb_catlen(strbuf *b, const char *s, size_t n) { sb_add(&b->p, &b->len, &b->cap, s, n); }

/* ---------------------------------------------------------------------------
 * Rules
 * ------------------------------------------------------------------------ */

/* Redis's texts for what went wrong with a rule. */
static const char *ERR_RULE_UNKNOWN = "Unknown command or category name in ACL";
static const char *ERR_RULE_SYNTAX = "Syntax error";
static const char *ERR_RULE_KEYS_AFTER_ALL =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. "
    "Try 'resetkeys' to start with an empty list of patterns";
static const char *ERR_RULE_CHANNELS_AFTER_ALL =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";
static const char *ERR_RULE_NO_PASS = "The password you are trying to remove from the user does not exist";
static const char *ERR_RULE_BAD_HASH =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
static const char *ERR_RULE_SUB_FIRSTARG = "Allowing first-arg of a subcommand is not supported";

static void set_perm(acl_user *u, int id, int allow) {
    u->allowed[id] = (unsigned char)allow;
    firstargs_clear(u, id);
    for (int s = ids[id].first_sub; s < ids[id].first_sub + ids[id].nsubs; s++) u->allowed[s] = (unsigned char)allow;
}

static void set_category(acl_user *u, int cat, int allow) {
    for (int i = 0; i < nids; i++)
        if (ids[i].cats & (1u << cat)) set_perm(u, i, allow);
}

static void set_all(acl_user *u, int allow) {
    memset(u->allowed, allow, (size_t)nids);
    if (u->first)
        for (int i = 0; i < nids; i++) firstargs_clear(u, i);
    u->future = allow;
}

static int has_space_or_nul(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (isspace((unsigned char)s[i]) || s[i] == 0) return 1;
    return 0;
}

static int valid_hash(const char *s, size_t len) {
    if (len != 64) return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int pass_index(const acl_user *u, const char *hex) {
    for (int i = 0; i < u->npass; i++)
        if (!memcmp(u->pass[i], hex, 64)) return i;
    return -1;
}

static void pass_add(acl_user *u, const char *hex) {
    u->flags &= ~UF_NOPASS;
    if (pass_index(u, hex) >= 0) return;
    u->pass = realloc(u->pass, sizeof(*u->pass) * (size_t)(u->npass + 1));
    memcpy(u->pass[u->npass], hex, 64);
    u->pass[u->npass][64] = 0;
    u->npass++;
}

static int pass_remove(acl_user *u, const char *hex) {
    int i = pass_index(u, hex);
    if (i < 0) return -1;
    memmove(u->pass + i, u->pass + i + 1, sizeof(*u->pass) * (size_t)(u->npass - i - 1));
    u->npass--;
    return 0;
}

static void pattern_add(pattern **list, int *n, const char *p, size_t len, int flags) {
    for (int i = 0; i < *n; i++) {
        if ((*list)[i].len == len && !memcmp((*list)[i].p, p, len)) {
            (*list)[i].flags |= flags;
            return;
        }
    }
    *list = realloc(*list, sizeof(**list) * (size_t)(*n + 1));
    pattern *np = &(*list)[(*n)++];
    np->p = malloc(len + 1);
    memcpy(np->p, p, len);
    np->p[len] = 0;
    np->len = len;
    np->flags = flags;
}

static void reset_keys(acl_user *u) {
    patterns_free(u->keys, u->nkeys);
    u->keys = NULL;
    u->nkeys = 0;
    u->allkeys = 0;
}

static void reset_channels(acl_user *u) {
    patterns_free(u->chans, u->nchans);
    u->chans = NULL;
    u->nchans = 0;
    u->allchannels = 0;
}

static int rule_is(const char *op, size_t len, const char *word) {
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

/* "+cmd", "-cmd", "+cmd|sub" (a subcommand, or a first argument of a
 * command without subcommands). */
static const char *rule_command(acl_user *u, const char *op, size_t len) {
    int allow = op[0] == '+';
    const char *name = op + 1;
    size_t nlen = len - 1;
    const char *bar = NULL;
    for (size_t i = 0; i < nlen; i++)
        if (name[i] == '|') bar = name + i; /* the last one, as Redis */
    if (!bar || !allow) {
        int id = id_lookup(name, nlen);
        if (id < 0) return ERR_RULE_UNKNOWN;
        set_perm(u, id, allow);
        return NULL;
    }
    int parent = id_lookup(name, (size_t)(bar - name));
    if (parent < 0) return ERR_RULE_UNKNOWN;
    if (ids[parent].parent >= 0) return ERR_RULE_SUB_FIRSTARG;
    size_t slen = nlen - (size_t)(bar - name) - 1;
    if (slen == 0) return ERR_RULE_SYNTAX;
    if (ids[parent].nsubs) {
        int id = id_lookup(name, nlen);
        if (id < 0) return ERR_RULE_UNKNOWN;
        set_perm(u, id, 1);
        return NULL;
    }
    /* A first argument (Redis logs a deprecation warning for these). */
    server_log(LOG_WARNING,
               "Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and "
               "may get disabled in the future (offender: %.*s)", (int)len, op);
    if (u->allowed[parent]) return NULL;
    if (!u->first) u->first = calloc((size_t)nids, sizeof(*u->first));
    firstargs *fa = &u->first[parent];
    for (int i = 0; i < fa->n; i++)
        if (strlen(fa->args[i]) == slen && !strncasecmp(fa->args[i], bar + 1, slen)) return NULL;
    fa->args = realloc(fa->args, sizeof(char *) * (size_t)(fa->n + 1));
    char *a = malloc(slen + 1);
    for (size_t i = 0; i < slen; i++) a[i] = (char)tolower((unsigned char)bar[1 + i]);
    a[slen] = 0;
    fa->args[fa->n++] = a;
    return NULL;
}

static const char *selector_rule(acl_user *u, const char *op, size_t len);
static int split_words(char *s, char ***wordsp, size_t **lensp);

/* "(rule rule ...)" without its parentheses: a new selector, starting with
 * no keys, no channels and no commands. */
static const char *add_selector(acl_user *u, const char *inner, size_t len) {
    char *copy = malloc(len + 1);
    memcpy(copy, inner, len);
    copy[len] = 0;
    char **words = NULL;
    size_t *lens = NULL;
    int n = split_words(copy, &words, &lens);
    const char *e = n < 0 ? ERR_RULE_SYNTAX : NULL;
    acl_user *s = user_new("", 0);
    for (int i = 0; i < n && !e; i++) e = selector_rule(s, words[i], lens[i]);
    free(words);
    free(lens);
    free(copy);
    if (e) {
        user_free(s);
        return e;
    }
    u->sel = realloc(u->sel, sizeof(*u->sel) * (size_t)(u->nsel + 1));
    u->sel[u->nsel++] = s;
    return NULL;
}

/* Rules as given: a selector may come split over several arguments
 * ("(~a" "+get)"), which Redis joins with spaces. Returns the count of
 * merged rules in *out (each malloc'd, NUL-terminated; free with
 * free_rules), or -1 with *bad the index of an unclosed "(". */
static int merge_rules(int n, const char *const *args, const size_t *lens, char ***out, size_t **outlens,
                       int *bad) {
    char **r = malloc(sizeof(char *) * (size_t)(n ? n : 1));
    size_t *rl = malloc(sizeof(size_t) * (size_t)(n ? n : 1));
    int m = 0, open = -1;
    strbuf sel = {0};
    for (int i = 0; i < n; i++) {
        const char *a = args[i];
        size_t len = lens[i];
        if (open < 0 && len > 0 && a[0] == '(' && a[len - 1] != ')') {
            open = i;
            sel.len = 0;
            sb_catlen(&sel, a, len);
            continue;
        }
        if (open >= 0) {
            sb_cat(&sel, " ");
            sb_catlen(&sel, a, len);
            if (len > 0 && a[len - 1] == ')') {
                open = -1;
                r[m] = malloc(sel.len + 1);
                memcpy(r[m], sel.p, sel.len + 1);
                rl[m++] = sel.len;
            }
            continue;
        }
        r[m] = malloc(len + 1);
        memcpy(r[m], a, len);
        r[m][len] = 0;
        rl[m++] = len;
    }
    free(sel.p);
    if (open >= 0) {
        for (int i = 0; i < m; i++) free(r[i]);
        free(r);
        free(rl);
        *bad = open;
        return -1;
    }
    *out = r;
    *outlens = rl;
    return m;
}

static void free_rules(char **r, size_t *rl, int n) {
    for (int i = 0; i < n; i++) free(r[i]);
    free(r);
    free(rl);
}

/* Apply one rule to u. NULL, or Redis's text for what is wrong with it. */
static const char *acl_set_rule(acl_user *u, const char *op, size_t len) {
    if (len == 0) return NULL; /* Redis ignores an empty rule */
    if (rule_is(op, len, "on")) {
        u->flags = (u->flags & ~UF_OFF) | UF_ON;
    } else if (rule_is(op, len, "off")) {
        u->flags = (u->flags & ~UF_ON) | UF_OFF;
    } else if (rule_is(op, len, "skip-sanitize-payload")) {
        u->flags = (u->flags & ~UF_SANITIZE) | UF_SKIP_SANITIZE;
    } else if (rule_is(op, len, "sanitize-payload")) {
        u->flags = (u->flags & ~UF_SKIP_SANITIZE) | UF_SANITIZE;
    } else if (rule_is(op, len, "nopass")) {
        u->flags |= UF_NOPASS;
        u->npass = 0;
    } else if (rule_is(op, len, "resetpass")) {
        u->flags &= ~UF_NOPASS;
        u->npass = 0;
    } else if (rule_is(op, len, "reset")) {
        u->flags = UF_OFF | UF_SANITIZE;
        u->npass = 0;
        reset_keys(u);
        reset_channels(u);
        clear_selectors(u);
        set_all(u, 0);
    } else if (op[0] == '>' || op[0] == '<') {
        char hex[65];
        sha256_hex(op + 1, len - 1, hex);
        if (op[0] == '>') pass_add(u, hex);
        else if (pass_remove(u, hex) < 0) return ERR_RULE_NO_PASS;
    } else if (op[0] == '#' || op[0] == '!') {
        if (!valid_hash(op + 1, len - 1)) return ERR_RULE_BAD_HASH;
        if (op[0] == '#') pass_add(u, op + 1);
        else if (pass_remove(u, op + 1) < 0) return ERR_RULE_NO_PASS;
    } else if (op[0] == '(' && op[len - 1] == ')') {
        return add_selector(u, op + 1, len - 2);
    } else if (rule_is(op, len, "clearselectors")) {
        clear_selectors(u);
    } else {
        return selector_rule(u, op, len);
    }
    return NULL;
}

/* A rule about permissions (the user's own, or a selector's). */
static const char *selector_rule(acl_user *u, const char *op, size_t len) {
    if (rule_is(op, len, "allkeys") || rule_is(op, len, "~*")) {
        reset_keys(u);
        u->allkeys = 1;
    } else if (rule_is(op, len, "resetkeys")) {
        reset_keys(u);
    } else if (rule_is(op, len, "allchannels") || rule_is(op, len, "&*")) {
        reset_channels(u);
        u->allchannels = 1;
    } else if (rule_is(op, len, "resetchannels")) {
        reset_channels(u);
    } else if (rule_is(op, len, "allcommands") || rule_is(op, len, "+@all")) {
        set_all(u, 1);
    } else if (rule_is(op, len, "nocommands") || rule_is(op, len, "-@all")) {
        set_all(u, 0);
    } else if (op[0] == '~' || op[0] == '%') {
        if (u->allkeys) return ERR_RULE_KEYS_AFTER_ALL;
        int flags = 0;
        size_t off = 1;
        if (op[0] == '%') {
            /* As Redis 7.0: "%R" without '~' is the empty pattern. */
            for (; off < len; off++) {
                char ch = (char)toupper((unsigned char)op[off]);
                if (ch == 'R' && !(flags & KP_READ)) flags |= KP_READ;
                else if (ch == 'W' && !(flags & KP_WRITE)) flags |= KP_WRITE;
                else if (op[off] == '~') {
                    off++;
                    break;
                } else return ERR_RULE_SYNTAX;
            }
            if (!flags) return ERR_RULE_SYNTAX;
        } else {
            flags = KP_ALL;
        }
        if (has_space_or_nul(op + off, len - off)) return ERR_RULE_SYNTAX;
        pattern_add(&u->keys, &u->nkeys, op + off, len - off, flags);
    } else if (op[0] == '&') {
        if (u->allchannels) return ERR_RULE_CHANNELS_AFTER_ALL;
        if (has_space_or_nul(op + 1, len - 1)) return ERR_RULE_SYNTAX;
        pattern_add(&u->chans, &u->nchans, op + 1, len - 1, 0);
    } else if ((op[0] == '+' || op[0] == '-') && len > 1 && op[1] == '@') {
        int cat = category_index(op + 2, len - 2);
        if (cat < 0) return ERR_RULE_UNKNOWN;
        set_category(u, cat, op[0] == '+');
    } else if (op[0] == '+' || op[0] == '-') {
        return rule_command(u, op, len);
    } else {
        return ERR_RULE_SYNTAX;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Describing a user
 * ------------------------------------------------------------------------ */


/* Turn a category on or off in a bare bitmap, as set_category does. */
static void bits_set_category(unsigned char *bits, int cat, int v) {
    for (int i = 0; i < nids; i++) {
        if (!(ids[i].cats & (1u << cat))) continue;
        bits[i] = (unsigned char)v;
        for (int s = ids[i].first_sub; s < ids[i].first_sub + ids[i].nsubs; s++) bits[s] = (unsigned char)v;
    }
}

/* The command rules, Redis 7.0's way (see the top of the file): categories
 * are picked greedily, each time the one that leaves the fewest commands to
 * fix (the larger on a tie); `temp` marks what a picked category already
 * covers, `fake` is what the rules so far give. */
static void describe_commands(const acl_user *u, strbuf *b) {
    unsigned char *fake = malloc((size_t)nids), *temp = malloc((size_t)nids);
    int additive = !u->future, applied[NCATS] = {0};
    memset(fake, u->future, (size_t)nids);
    memcpy(temp, u->allowed, (size_t)nids);
    sb_cat(b, u->future ? "+@all " : "-@all ");
    for (;;) {
        int best = -1;
        long mindiff = 0x7fffffff, maxsame = 0;
        for (int c = 0; c < NCATS; c++) {
            if (applied[c]) continue;
            long on = 0, off = 0;
            for (int i = 0; i < nids; i++)
                if (ids[i].cats & (1u << c)) temp[i] ? on++ : off++;
            long diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = c;
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best < 0) break;
        bits_set_category(fake, best, additive);
        bits_set_category(temp, best, !additive);
        applied[best] = 1;
        sb_cat(b, additive ? "+@" : "-@");
        sb_cat(b, categories[best]);
        sb_cat(b, " ");
    }
    for (int i = 0; i < command_count(); i++) {
        for (int id = i; id == i || id < ids[i].first_sub + ids[i].nsubs; id = id == i ? ids[i].first_sub : id + 1) {
            if (id != i && ids[i].nsubs == 0) break;
            if (u->allowed[id] != fake[id]) {
                sb_cat(b, u->allowed[id] ? "+" : "-");
                sb_cat(b, ids[id].name);
                sb_cat(b, " ");
                fake[id] = u->allowed[id];
                if (id == i)
                    for (int s = ids[i].first_sub; s < ids[i].first_sub + ids[i].nsubs; s++) fake[s] = u->allowed[i];
            }
            if (!u->allowed[id] && u->first && u->first[id].n) {
                for (int a = 0; a < u->first[id].n; a++) {
                    sb_cat(b, "+");
                    sb_cat(b, ids[id].name);
                    sb_cat(b, "|");
                    sb_cat(b, u->first[id].args[a]);
                    sb_cat(b, " ");
                }
            }
        }
    }
    b->p[--b->len] = 0; /* the last space */
    free(fake);
    free(temp);
}

static void describe_keys(const acl_user *u, strbuf *b) {
    if (u->allkeys) {
        sb_cat(b, "~*");
        return;
    }
    for (int i = 0; i < u->nkeys; i++) {
        if (i) sb_cat(b, " ");
        sb_cat(b, u->keys[i].flags == KP_ALL ? "~" : u->keys[i].flags == KP_READ ? "%R~" : "%W~");
        sb_catlen(b, u->keys[i].p, u->keys[i].len);
    }
}

static void describe_channels(const acl_user *u, strbuf *b) {
    if (u->allchannels) {
        sb_cat(b, "&*");
        return;
    }
    for (int i = 0; i < u->nchans; i++) {
        if (i) sb_cat(b, " ");
        sb_cat(b, "&");
        sb_catlen(b, u->chans[i].p, u->chans[i].len);
    }
}

static void describe_permissions(const acl_user *u, strbuf *b);

/* "on nopass #... ~* &* +@all (~a resetchannels -@all +get)": ACL LIST and
 * ACL SAVE (after "user name "). */
static void describe_user(const acl_user *u, strbuf *b) {
    for (int i = 0; i < NUSER_FLAGS; i++) {
        if (!(u->flags & user_flags[i].flag)) continue;
        sb_cat(b, user_flags[i].name);
        sb_cat(b, " ");
    }
    for (int i = 0; i < u->npass; i++) {
        sb_cat(b, "#");
        sb_catlen(b, u->pass[i], 64);
        sb_cat(b, " ");
    }
    describe_permissions(u, b);
    for (int i = 0; i < u->nsel; i++) {
        sb_cat(b, " (");
        describe_permissions(u->sel[i], b);
        sb_cat(b, ")");
    }
}

/* "~k* resetchannels &ch* -@all +get": a permission set (the user's own or
 * a selector's). */
static void describe_permissions(const acl_user *u, strbuf *b) {
    if (u->allkeys || u->nkeys) {
        describe_keys(u, b);
        sb_cat(b, " ");
    }
    if (u->allchannels) {
        sb_cat(b, "&* ");
    } else {
        sb_cat(b, "resetchannels ");
        if (u->nchans) {
            describe_channels(u, b);
            sb_cat(b, " ");
        }
    }
    describe_commands(u, b);
}

/* ---------------------------------------------------------------------------
 * Checking a command
 * ------------------------------------------------------------------------ */

static int key_allowed(const acl_user *u, const char *key, size_t klen, int spec_flags) {
    if (u->allkeys) return 1;
    int need = 0;
    if (spec_flags & KS_ACCESS) need |= KP_READ;
    if (spec_flags & (KS_INSERT | KS_DELETE | KS_UPDATE)) need |= KP_WRITE;
    for (int i = 0; i < u->nkeys; i++) {
        if ((u->keys[i].flags & need) != need) continue;
        if (util_globmatch(u->keys[i].p, u->keys[i].len, key, klen, 0)) return 1;
    }
    return 0;
}

static int channel_allowed(const acl_user *u, const char *ch, size_t len, int is_pattern) {
    if (u->allchannels) return 1;
    for (int i = 0; i < u->nchans; i++) {
        const pattern *p = &u->chans[i];
        if (is_pattern) {
            if (p->len == len && !memcmp(p->p, ch, len)) return 1;
        } else if (util_globmatch(p->p, p->len, ch, len, 0)) {
            return 1;
        }
    }
    return 0;
}

/* The channel arguments of a pub/sub command: [first, last], patterns? */
static int command_channels(const command *cmd, int argc, int *first, int *last, int *is_pattern) {
    *is_pattern = 0;
    if (cmd->proc == publishCommand || cmd->proc == spublishCommand) {
        *first = *last = 1;
    } else if (cmd->proc == subscribeCommand || cmd->proc == ssubscribeCommand) {
        *first = 1;
        *last = argc - 1;
    } else if (cmd->proc == psubscribeCommand) {
        *first = 1;
        *last = argc - 1;
        *is_pattern = 1;
    } else {
        return 0;
    }
    return *last >= *first;
}

static int selector_check(const acl_user *u, const command *cmd, int argc, const resp_arg *argv, int *errpos) {
    *errpos = 0;
    int id = id_of_call(cmd, argc, argv);
    if (id < 0) return ACL_DENIED_CMD;
    if (!u->allowed[id]) {
        int ok = 0;
        if (u->first && u->first[id].n && argc > 1) {
            for (int i = 0; i < u->first[id].n && !ok; i++)
                ok = strlen(u->first[id].args[i]) == argv[1].len &&
                     !strncasecmp(u->first[id].args[i], argv[1].ptr, argv[1].len);
        }
        if (!ok) return ACL_DENIED_CMD;
    }
    if (!u->allkeys) {
        key_ref *keys = NULL;
        int n = command_get_keys(cmd, argc, argv, &keys);
        for (int i = 0; i < n; i++) {
            const resp_arg *k = &argv[keys[i].pos];
            if (!key_allowed(u, k->ptr, k->len, keys[i].flags)) {
                *errpos = keys[i].pos;
                free(keys);
                return ACL_DENIED_KEY;
            }
        }
        free(keys);
    }
    int first, last, is_pattern;
    if (!u->allchannels && command_channels(cmd, argc, &first, &last, &is_pattern)) {
        for (int i = first; i <= last; i++) {
            if (!channel_allowed(u, argv[i].ptr, argv[i].len, is_pattern)) {
                *errpos = i;
                return ACL_DENIED_CHANNEL;
            }
        }
    }
    return ACL_OK;
}

/* The user's own permissions, then each selector: the first that allows
 * the call wins. Otherwise, as Redis picks the refusal to report: a command
 * refusal only if every set refused the command, else the key or channel
 * refusal of the highest kind (channel over key) and latest argument. */
static int user_check(const acl_user *u, const command *cmd, int argc, const resp_arg *argv, int *errpos) {
    *errpos = 0;
    if (cmd->flags & CMD_NOAUTH) return ACL_OK;
    int reason = ACL_DENIED_CMD, pos = 0;
    for (int i = -1; i < u->nsel; i++) {
        int p, r = selector_check(i < 0 ? u : u->sel[i], cmd, argc, argv, &p);
        if (r == ACL_OK) return ACL_OK;
        if (r > reason || (r == reason && p > pos)) {
            reason = r;
            pos = p;
        }
    }
    *errpos = pos;
    return reason;
}

int acl_check_command(client *c, const command *cmd, int argc, const resp_arg *argv, int *errpos) {
    return user_check(c->user ? c->user : default_user, cmd, argc, argv, errpos);
}

/* ---------------------------------------------------------------------------
 * ACL LOG
 * ------------------------------------------------------------------------ */

typedef struct log_entry {
    long long count;
    int reason, context;
    char *object;
    size_t olen;
    char *username;
    long long ctime_ms;
    char *cinfo;
} log_entry;

static log_entry *acl_log; /* newest first */
static int nlog;
static long long stat_denied[5]; /* by ACL_DENIED_* */

#define ACL_LOG_GROUPING_MS 60000

static void log_entry_free(log_entry *e) {
    free(e->object);
    free(e->username);
    free(e->cinfo);
}

static void acl_log_trim(void) {
    long max = server_config.acllog_max_len;
    while (nlog > 0 && nlog > max) log_entry_free(&acl_log[--nlog]);
}

/* Log a refusal, grouping it with a recent identical one (Redis looks at the
 * 10 newest entries). */
static void acl_log_add(client *c, int reason, int context, const char *object, size_t olen, const char *username) {
    stat_denied[reason]++;
    long long now = util_mstime();
    char *cinfo = client_info_string(c);
    for (int i = 0; i < nlog && i < 10; i++) {
        log_entry *e = &acl_log[i];
        if (e->reason != reason || e->context != context || now - e->ctime_ms > ACL_LOG_GROUPING_MS) continue;
        if (e->olen != olen || memcmp(e->object, object, olen) || strcmp(e->username, username)) continue;
        log_entry hit = *e;
        memmove(acl_log + 1, acl_log, sizeof(*acl_log) * (size_t)i);
        hit.count++;
        hit.ctime_ms = now;
        free(hit.cinfo);
        hit.cinfo = cinfo;
        acl_log[0] = hit;
        return;
    }
    if (server_config.acllog_max_len <= 0) {
        free(cinfo);
        return;
    }
    acl_log = realloc(acl_log, sizeof(*acl_log) * (size_t)(nlog + 1));
    memmove(acl_log + 1, acl_log, sizeof(*acl_log) * (size_t)nlog);
    nlog++;
    log_entry *e = &acl_log[0];
    e->count = 1;
    e->reason = reason;
    e->context = context;
    e->object = malloc(olen + 1);
    memcpy(e->object, object, olen);
    e->object[olen] = 0;
    e->olen = olen;
    e->username = strdup(username);
    e->ctime_ms = now;
    e->cinfo = cinfo;
    acl_log_trim();
}

static void acl_log_reset(void) {
    for (int i = 0; i < nlog; i++) log_entry_free(&acl_log[i]);
    free(acl_log);
    acl_log = NULL;
    nlog = 0;
}

void acl_info_stats(long long *auth, long long *cmd, long long *key, long long *channel) {
    *auth = stat_denied[ACL_DENIED_AUTH];
    *cmd = stat_denied[ACL_DENIED_CMD];
    *key = stat_denied[ACL_DENIED_KEY];
    *channel = stat_denied[ACL_DENIED_CHANNEL];
}

void acl_reset_stats(void) { memset(stat_denied, 0, sizeof(stat_denied)); }

/* The full name a refusal names: "get", "config|set". */
static const char *call_name(const command *cmd, int argc, const resp_arg *argv) {
    int id = id_of_call(cmd, argc, argv);
    return id >= 0 ? ids[id].name : cmd->name;
}

/* Redis's getAclErrorMessage: verbose for ACL DRYRUN. */
static void denied_message(char *buf, size_t cap, int reason, const char *cmdname, const resp_arg *arg,
                           int verbose) {
    if (reason == ACL_DENIED_CMD)
        snprintf(buf, cap, "%s user has no permissions to run the '%s' command", verbose ? "This" : "this",
                 cmdname);
    else if (reason == ACL_DENIED_KEY && verbose)
        snprintf(buf, cap, "This user has no permissions to access the '%.*s' key", (int)arg->len, arg->ptr);
    else if (reason == ACL_DENIED_KEY)
        snprintf(buf, cap, "this user has no permissions to access one of the keys used as arguments");
    else if (verbose)
        snprintf(buf, cap, "This user has no permissions to access the '%.*s' channel", (int)arg->len, arg->ptr);
    else
        snprintf(buf, cap, "this user has no permissions to access one of the channels used as arguments");
}

void acl_reply_denied(client *c, const command *cmd, int argc, const resp_arg *argv, int reason, int errpos,
                      int context) {
    char msg[512];
    const char *name = call_name(cmd, argc, argv);
    if (context == ACL_CTX_MULTI && c->cmd) {
        /* EXEC (running: c->cmd is set) checks its queue again, as the
         * rules may have changed since the commands were queued. */
        static const char *why[] = {"", "no permission to execute the command or subcommand",
                                    "no permission to touch the specified keys", "",
                                    "no permission to access one of the channels used as arguments"};
        reply_errorf(c, "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
                        "call. This command is no longer allowed for the following reason: %s", why[reason]);
    } else {
        denied_message(msg, sizeof(msg), reason, name, &argv[errpos], 0);
        reply_errorf(c, "NOPERM %s", msg);
    }
    if (reason == ACL_DENIED_CMD)
        acl_log_add(c, reason, context, name, strlen(name), acl_user_name(c->user));
    else
        acl_log_add(c, reason, context, argv[errpos].ptr, argv[errpos].len, acl_user_name(c->user));
}

/* ---------------------------------------------------------------------------
 * AUTH
 * ------------------------------------------------------------------------ */

static int user_password_ok(const acl_user *u, const char *pass, size_t plen) {
    if (u->flags & UF_OFF) return 0;
    if (u->flags & UF_NOPASS) return 1;
    char hex[65];
    sha256_hex(pass, plen, hex);
    /* Compare every hash in full: the time taken must not depend on where
     * the first differing digit is. */
    int ok = 0;
    for (int i = 0; i < u->npass; i++) {
        unsigned char diff = 0;
        for (int j = 0; j < 64; j++) diff |= (unsigned char)(u->pass[i][j] ^ hex[j]);
        ok |= diff == 0;
    }
    return ok;
}

int auth_check_password(client *c, const char *user, size_t ulen, const char *pass, size_t plen) {
    acl_user *u = user_get(user, ulen);
    if (u && user_password_ok(u, pass, plen)) {
        c->user = u;
        c->authenticated = 1;
        return 0;
    }
    server_log(LOG_VERBOSE, "Failed AUTH attempt from client id=%llu addr=%s", (unsigned long long)c->id, c->addr);
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(ulen < 255 ? ulen : 255), user);
    acl_log_add(c, ACL_DENIED_AUTH, ACL_CTX_TOPLEVEL, c->argv[0].ptr, c->argv[0].len, name);
    return -1;
}

/* ---------------------------------------------------------------------------
 * Users from requirepass and the ACL file
 * ------------------------------------------------------------------------ */

static acl_user *make_default_user(void) {
    acl_user *u = user_new("default", 7);
    acl_set_rule(u, "+@all", 5);
    acl_set_rule(u, "~*", 2);
    acl_set_rule(u, "&*", 2);
    acl_set_rule(u, "on", 2);
    acl_set_rule(u, "nopass", 6);
    return u;
}

void acl_apply_requirepass(void) {
    const char *p = server_config.requirepass;
    acl_set_rule(default_user, "resetpass", 9);
    if (p && p[0]) {
        size_t n = strlen(p);
        char *op = malloc(n + 2);
        op[0] = '>';
        memcpy(op + 1, p, n + 1);
        acl_set_rule(default_user, op, n + 1);
        free(op);
    } else {
        acl_set_rule(default_user, "nopass", 6);
    }
}

/* Close every client running as u (it is going away); the current client c,
 * if among them, closes once its reply is written. */
static void kill_clients_of(client *c, acl_user *u) {
    for (client *o = server.clients; o; o = o->next) {
        if (o->user != u) continue;
        o->user = default_user;
        o->authenticated = 0;
        if (o == c) client_close_after_reply(o);
        else client_close_asap(o);
    }
}

/* Split a line of the ACL file into words (Redis's config quoting: "..."
 * with escapes, '...' literal). Returns the count, -1 on unbalanced quotes.
 * Words point into s (modified in place); *words and *lens are malloc'd
 * (grown as needed; the caller frees them). */
static int split_words(char *s, char ***wordsp, size_t **lensp) {
    int n = 0, cap = 0;
    for (;;) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) return n;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            *wordsp = realloc(*wordsp, sizeof(char *) * (size_t)cap);
            *lensp = realloc(*lensp, sizeof(size_t) * (size_t)cap);
        }
        char **words = *wordsp;
        size_t *lens = *lensp;
        char *out = s, *start = s;
        int inq = 0, insq = 0;
        for (;;) {
            if (inq) {
                if (!*s) return -1;
                if (*s == '\\' && s[1]) {
                    s++;
                    char e = *s;
                    *out++ = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                    s++;
                } else if (*s == '"') {
                    s++;
                    if (*s && !isspace((unsigned char)*s)) return -1;
                    break;
                } else {
                    *out++ = *s++;
                }
            } else if (insq) {
                if (!*s) return -1;
                if (*s == '\'') {
                    s++;
                    if (*s && !isspace((unsigned char)*s)) return -1;
                    break;
                }
                *out++ = *s++;
            } else if (!*s || isspace((unsigned char)*s)) {
                break;
            } else if (*s == '"') {
                inq = 1;
                s++;
            } else if (*s == '\'') {
                insq = 1;
                s++;
            } else {
                *out++ = *s++;
            }
        }
        int at_end = !*s;
        words[n] = start;
        lens[n] = (size_t)(out - start);
        n++;
        if (at_end) {
            *out = 0;
            return n;
        }
        *out = 0;
        s++;
    }
}

/* Parse the whole ACL file into a new set of users. Returns 0 and the users
 * (sorted), or -1 with Redis-style problems in err. Nothing changes here. */
static int load_file(const char *path, acl_user ***out, int *nout, char *err, size_t errlen) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "Error loading ACLs, opening file '%s': %s", path, strerror(errno));
        return -1;
    }
    acl_user **list = NULL;
    int n = 0, lineno = 0, bad = 0;
    size_t errused = 0;
    err[0] = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        char problem[512] = "";
        char **words = NULL;
        size_t *lens = NULL;
        int nw = split_words(line, &words, &lens);
        /* Only empty lines are skipped: Redis 7.0 has no comments in this
         * file ("# ..." does not start with "user"). */
        if (nw == 0) {
            free(words);
            free(lens);
            continue;
        }
        if (nw < 0) {
            snprintf(problem, sizeof(problem), "%s:%d: unbalanced quotes in acl line. ", path, lineno);
        } else if (strcmp(words[0], "user") != 0 || nw < 2) {
            snprintf(problem, sizeof(problem), "%s:%d should start with user keyword followed by the username. ",
                     path, lineno);
        } else if (has_space_or_nul(words[1], lens[1])) {
            snprintf(problem, sizeof(problem), "'%s:%d: username '%s' contains invalid characters. ", path, lineno,
                     words[1]);
        } else {
            int dup = 0;
            for (int i = 0; i < n; i++) dup |= !strcmp(list[i]->name, words[1]);
            if (dup) {
                snprintf(problem, sizeof(problem), "WARNING: Duplicate user '%s' found on line %d. ", words[1],
                         lineno);
            } else {
                acl_user *u = user_new(words[1], lens[1]);
                char **rules;
                size_t *rlens;
                int bad, nr = merge_rules(nw - 2, (const char *const *)words + 2, lens + 2, &rules, &rlens, &bad);
                if (nr < 0)
                    snprintf(problem, sizeof(problem), "%s:%d: Unmatched parenthesis in selector definition.", path,
                             lineno);
                for (int i = 0; i < nr && !problem[0]; i++) {
                    const char *e = acl_set_rule(u, rules[i], rlens[i]);
                    if (e)
                        snprintf(problem, sizeof(problem), "%s:%d: Error in applying operation '%s': %s. ", path,
                                 lineno, rules[i], e);
                }
                if (nr >= 0) free_rules(rules, rlens, nr);
                if (problem[0]) {
                    user_free(u);
                } else {
                    list = realloc(list, sizeof(*list) * (size_t)(n + 1));
                    list[n++] = u;
                }
            }
        }
        if (problem[0]) {
            bad = 1;
            size_t pl = strlen(problem);
            if (errused + pl + 1 < errlen) {
                memcpy(err + errused, problem, pl + 1);
                errused += pl;
            }
        }
        free(words);
        free(lens);
    }
    free(line);
    fclose(fp);
    if (bad) {
        for (int i = 0; i < n; i++) user_free(list[i]);
        free(list);
        const char *tail = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
        if (errused + strlen(tail) + 1 < errlen) memcpy(err + errused, tail, strlen(tail) + 1);
        return -1;
    }
    *out = list;
    *nout = n;
    return 0;
}

/* Replace every user with the file's. The default user keeps its address
 * (clients point to it) and takes the file's definition, or the stock one
 * when the file has none. Clients of the other old users are closed. */
static int acl_load(client *c, char *err, size_t errlen) {
    acl_user **list;
    int n;
    if (load_file(server_config.aclfile, &list, &n, err, errlen) < 0) return -1;
    acl_user *new_default = NULL;
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i]->name, "default")) new_default = list[i];
    for (int i = nusers - 1; i >= 0; i--) {
        acl_user *u = users[i];
        if (u == default_user) continue;
        kill_clients_of(c, u);
        user_free(u);
    }
    nusers = 0;
    user_insert(default_user);
    user_replace(default_user, new_default ? new_default : make_default_user());
    for (int i = 0; i < n; i++)
        if (list[i] != new_default) user_insert(list[i]);
    free(list);
    return 0;
}

static int acl_save(char *err, size_t errlen) {
    const char *path = server_config.aclfile;
    size_t tmplen = strlen(path) + 32;
    char *tmp = malloc(tmplen);
    snprintf(tmp, tmplen, "%s.tmp-%d", path, (int)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        snprintf(err, errlen, "Opening temp ACL file for ACL SAVE: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    int ok = 1;
    for (int i = 0; i < nusers; i++) {
        strbuf b = {0};
        describe_user(users[i], &b);
        ok &= fprintf(fp, "user %s %s\n", users[i]->name, b.p) > 0;
        free(b.p);
    }
    ok &= fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, path) < 0) {
        snprintf(err, errlen, "Writing ACL file for ACL SAVE: %s", strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* The "user" lines of the config file, over the default user made from
 * requirepass (a "user default ..." line redefines it from scratch). */
static int load_config_users(char *err, size_t errlen) {
    for (int i = 0; i < config_user_count(); i++) {
        int argc;
        char **argv = config_user_args(i, &argc);
        size_t nlen = strlen(argv[0]);
        if (has_space_or_nul(argv[0], nlen)) {
            snprintf(err, errlen, "Error in user declaration '%s': Usernames can't contain spaces or null characters",
                     argv[0]);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            int pargc;
            if (!strcmp(config_user_args(j, &pargc)[0], argv[0])) {
                snprintf(err, errlen, "Error in user declaration '%s': Duplicate user found. A user can only be "
                                      "defined once in config files", argv[0]);
                return -1;
            }
        }
        int is_default = !strcmp(argv[0], "default");
        acl_user *u = user_new(argv[0], nlen);
        if (is_default) acl_set_rule(u, "reset", 5); /* as Redis: from scratch */
        size_t *lens = malloc(sizeof(size_t) * (size_t)argc);
        for (int j = 0; j < argc; j++) lens[j] = strlen(argv[j]);
        char **rules;
        size_t *rlens;
        int bad, nr = merge_rules(argc - 1, (const char *const *)argv + 1, lens + 1, &rules, &rlens, &bad);
        free(lens);
        if (nr < 0) {
            snprintf(err, errlen, "Error in user declaration '%s': Unmatched parenthesis in acl selector starting "
                                  "at '%s'.", argv[0], argv[1 + bad]);
            user_free(u);
            return -1;
        }
        for (int j = 0; j < nr; j++) {
            const char *e = acl_set_rule(u, rules[j], rlens[j]);
            if (e) {
                snprintf(err, errlen, "Error in user declaration '%s': %s", argv[0], e);
                user_free(u);
                free_rules(rules, rlens, nr);
                return -1;
            }
        }
        free_rules(rules, rlens, nr);
        if (is_default) user_replace(default_user, u);
        else user_insert(u);
    }
    return 0;
}

int acl_init(char *err, size_t errlen) {
    build_ids();
    default_user = make_default_user();
    user_insert(default_user);
    acl_apply_requirepass();
    int have_file = server_config.aclfile && server_config.aclfile[0];
    if (have_file && config_user_count() > 0) {
        snprintf(err, errlen, "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
                              "file path is invalid. This setup is very likely to lead to configuration errors "
                              "and security holes, please define either an ACL file or declare users directly in "
                              "your redis.conf, but not both.");
        return -1;
    }
    if (load_config_users(err, errlen) < 0) return -1;
    if (have_file && acl_load(NULL, err, errlen) < 0) return -1;
    return 0;
}

void acl_rewrite_users(void (*emit)(const char *line, void *ctx), void *ctx) {
    /* With an ACL file the users live there; the config keeps none. */
    if (server_config.aclfile && server_config.aclfile[0]) return;
    for (int i = 0; i < nusers; i++) {
        strbuf b = {0};
        sb_cat(&b, "user ");
        sb_cat(&b, users[i]->name);
        sb_cat(&b, " ");
        describe_user(users[i], &b);
        emit(b.p, ctx);
        free(b.p);
    }
}

void acl_free_all(void) {
    for (int i = 0; i < nusers; i++) user_free(users[i]);
    free(users);
    users = NULL;
    nusers = capusers = 0;
    default_user = NULL;
    acl_log_reset();
    free(ids);
    ids = NULL;
    nids = 0;
}

/* ---------------------------------------------------------------------------
 * The ACL command
 * ------------------------------------------------------------------------ */

/* "commands", "keys", "channels" of a permission set. */
static void reply_permissions(client *c, const acl_user *u) {
    strbuf b = {0};
    reply_bulk_cstr(c, "commands");
    describe_commands(u, &b);
    reply_bulk(c, b.p, b.len);
    b.len = 0;
    sb_cat(&b, "");
    reply_bulk_cstr(c, "keys");
    describe_keys(u, &b);
    reply_bulk(c, b.p, b.len);
    b.len = 0;
    sb_cat(&b, "");
    reply_bulk_cstr(c, "channels");
    describe_channels(u, &b);
    reply_bulk(c, b.p, b.len);
    free(b.p);
}

static void reply_user(client *c, const acl_user *u) {
    int nflags = 0;
    for (int i = 0; i < NUSER_FLAGS; i++) nflags += (u->flags & user_flags[i].flag) != 0;
    reply_map_len(c, 6);
    reply_bulk_cstr(c, "flags");
    reply_set_len(c, nflags);
    for (int i = 0; i < NUSER_FLAGS; i++)
        if (u->flags & user_flags[i].flag) reply_bulk_cstr(c, user_flags[i].name);
    reply_bulk_cstr(c, "passwords");
    reply_array_len(c, u->npass);
    for (int i = 0; i < u->npass; i++) reply_bulk(c, u->pass[i], 64);
    reply_permissions(c, u);
    reply_bulk_cstr(c, "selectors");
    reply_array_len(c, u->nsel);
    for (int i = 0; i < u->nsel; i++) {
        reply_map_len(c, 3);
        reply_permissions(c, u->sel[i]);
    }
}

static int subscription_denied(void *ctx, int is_pattern, const char *name, size_t len) {
    const acl_user *u = ctx;
    if (channel_allowed(u, name, len, is_pattern)) return 0;
    for (int i = 0; i < u->nsel; i++)
        if (channel_allowed(u->sel[i], name, len, is_pattern)) return 0;
    return 1;
}

/* Redis 7.0 closes the subscribers of a user whose channel rules no longer
 * cover one of their subscriptions. */
static void kill_subscribers_now_denied(client *c, acl_user *u) {
    for (client *o = server.clients; o; o = o->next) {
        if (o->user != u || !pubsub_client_any(o, subscription_denied, u)) continue;
        if (o == c) client_close_after_reply(o);
        else client_close_asap(o);
    }
}

static void acl_setuser(client *c) {
    const resp_arg *name = &c->argv[2];
    if (has_space_or_nul(name->ptr, name->len)) {
        reply_error(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    int n = c->argc - 3, bad;
    const char **args = malloc(sizeof(char *) * (size_t)(n ? n : 1));
    size_t *lens = malloc(sizeof(size_t) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        args[i] = c->argv[3 + i].ptr;
        lens[i] = c->argv[3 + i].len;
    }
    char **rules;
    size_t *rlens;
    int nr = merge_rules(n, args, lens, &rules, &rlens, &bad);
    free(args);
    free(lens);
    if (nr < 0) {
        reply_errorf(c, "ERR Unmatched parenthesis in acl selector starting at '%s'.", c->argv[3 + bad].ptr);
        return;
    }
    acl_user *old = user_get(name->ptr, name->len);
    acl_user *u = old ? user_copy(old) : user_new(name->ptr, name->len);
    for (int i = 0; i < nr; i++) {
        const char *e = acl_set_rule(u, rules[i], rlens[i]);
        if (e) {
            reply_errorf(c, "ERR Error in ACL SETUSER modifier '%s': %s", rules[i], e);
            user_free(u);
            free_rules(rules, rlens, nr);
            return;
        }
    }
    free_rules(rules, rlens, nr);
    if (old) {
        user_replace(old, u);
        kill_subscribers_now_denied(c, old);
    } else {
        user_insert(u);
    }
    reply_ok(c);
}

static void acl_deluser(client *c) {
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        if (c->argv[i].len == 7 && !memcmp(c->argv[i].ptr, "default", 7)) {
            reply_error(c, "ERR The 'default' user cannot be removed");
            return;
        }
    }
    for (int i = 2; i < c->argc; i++) {
        int at = user_find(c->argv[i].ptr, c->argv[i].len);
        if (at < 0) continue;
        acl_user *u = users[at];
        user_remove_at(at);
        kill_clients_of(c, u);
        user_free(u);
        deleted++;
    }
    reply_longlong(c, deleted);
}

static const char *reason_name(int r) {
    switch (r) {
    case ACL_DENIED_CMD: return "command";
    case ACL_DENIED_KEY: return "key";
    case ACL_DENIED_CHANNEL: return "channel";
    case ACL_DENIED_AUTH: return "auth";
    default: return "unknown";
    }
}

static void acl_log_command(client *c) {
    long long count = 10;
    if (c->argc == 3) {
        if (arg_is(c, 2, "RESET")) {
            acl_log_reset();
            reply_ok(c);
            return;
        }
        if (arg_longlong(c, 2, &count, NULL) < 0) return;
    }
    long n = count < 0 || count > nlog ? nlog : (long)count;
    long long now = util_mstime();
    reply_array_len(c, n);
    for (long i = 0; i < n; i++) {
        const log_entry *e = &acl_log[i];
        reply_map_len(c, 7);
        reply_bulk_cstr(c, "count");
        reply_longlong(c, e->count);
        reply_bulk_cstr(c, "reason");
        reply_bulk_cstr(c, reason_name(e->reason));
        reply_bulk_cstr(c, "context");
        reply_bulk_cstr(c, e->context == ACL_CTX_MULTI ? "multi" : e->context == ACL_CTX_LUA ? "lua" : "toplevel");
        reply_bulk_cstr(c, "object");
        reply_bulk(c, e->object, e->olen);
        reply_bulk_cstr(c, "username");
        reply_bulk_cstr(c, e->username);
        reply_bulk_cstr(c, "age-seconds");
        reply_double(c, (double)(now - e->ctime_ms) / 1000.0);
        reply_bulk_cstr(c, "client-info");
        reply_bulk_cstr(c, e->cinfo);
    }
}

static void acl_cat(client *c) {
    if (c->argc == 2) {
        reply_array_len(c, NCATS);
        for (int i = 0; i < NCATS; i++) reply_bulk_cstr(c, categories[i]);
        return;
    }
    int cat = category_index(c->argv[2].ptr, c->argv[2].len);
    if (cat < 0) {
        reply_errorf(c, "ERR Unknown category '%.128s'", c->argv[2].ptr);
        return;
    }
    long n = 0;
    for (int i = 0; i < nids; i++) n += (ids[i].cats & (1u << cat)) != 0;
    reply_array_len(c, n);
    for (int i = 0; i < nids; i++)
        if (ids[i].cats & (1u << cat)) reply_bulk_cstr(c, ids[i].name);
}

static void acl_genpass(client *c) {
    long long bits = 256;
    if (c->argc == 3 && arg_longlong(c, 2, &bits, NULL) < 0) return;
    if (bits <= 0 || bits > 4096) {
        reply_error(c, "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
                       "number up to 4096");
        return;
    }
    size_t chars = (size_t)(bits + 3) / 4;
    unsigned char raw[512];
    char hex[1025];
    util_random_bytes(raw, (chars + 1) / 2);
    for (size_t i = 0; i < chars; i++) {
        int nib = i % 2 ? raw[i / 2] & 15 : raw[i / 2] >> 4;
        hex[i] = "0123456789abcdef"[nib];
    }
    reply_bulk(c, hex, chars);
}

static void acl_dryrun(client *c) {
    acl_user *u = user_get(c->argv[2].ptr, c->argv[2].len);
    if (!u) {
        reply_errorf(c, "ERR User '%.128s' not found", c->argv[2].ptr);
        return;
    }
    const command *cmd = command_lookup(c->argv[3].ptr, c->argv[3].len);
    if (!cmd) {
        reply_errorf(c, "ERR Command '%.128s' not found", c->argv[3].ptr);
        return;
    }
    int argc = c->argc - 3;
    const resp_arg *argv = c->argv + 3;
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", call_name(cmd, argc, argv));
        return;
    }
    int errpos;
    int r = user_check(u, cmd, argc, argv, &errpos);
    if (r == ACL_OK) {
        reply_ok(c);
        return;
    }
    char msg[512];
    denied_message(msg, sizeof(msg), r, call_name(cmd, argc, argv), &argv[errpos], 1);
    reply_bulk_cstr(c, msg);
}

static const char *ERR_NO_ACLFILE =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
    "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order "
    "to store users in the Redis configuration.";

static void reply_help_lines(client *c) {
    static const char *help[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    };
    int n = (int)(sizeof(help) / sizeof(help[0]));
    reply_array_len(c, n);
    for (int i = 0; i < n; i++) reply_status(c, help[i]);
}

static void reply_sub_error(client *c) {
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try ACL HELP.",
                 c->argv[1].ptr);
}

/* The subcommands and their arity (Redis's convention, counting "ACL"). */
static const struct {
    const char *name;
    int arity;
} acl_subs[] = {
    {"setuser", -3}, {"getuser", 3}, {"deluser", -3}, {"list", 2}, {"users", 2}, {"whoami", 2}, {"cat", -2},
    {"log", -2},     {"genpass", -2}, {"dryrun", -4}, {"save", 2}, {"load", 2},   {"help", 2},
};

void aclCommand(client *c) {
    const char *sub = c->argv[1].ptr;
    int argc = c->argc, known = 0;
    char err[4096];
    for (size_t i = 0; i < sizeof(acl_subs) / sizeof(acl_subs[0]); i++) {
        if (strcasecmp(sub, acl_subs[i].name) != 0) continue;
        int ar = acl_subs[i].arity;
        if ((ar > 0 && argc != ar) || argc < -ar) {
            reply_errorf(c, "ERR wrong number of arguments for 'acl|%s' command", acl_subs[i].name);
            return;
        }
        known = 1;
    }
    if (!known) {
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try ACL HELP.", sub);
        return;
    }
    if (!strcasecmp(sub, "setuser")) {
        acl_setuser(c);
    } else if (!strcasecmp(sub, "deluser")) {
        acl_deluser(c);
    } else if (!strcasecmp(sub, "getuser")) {
        acl_user *u = user_get(c->argv[2].ptr, c->argv[2].len);
        if (u) reply_user(c, u);
        else reply_null(c);
    } else if (!strcasecmp(sub, "list") || !strcasecmp(sub, "users")) {
        int justnames = !strcasecmp(sub, "users");
        reply_array_len(c, nusers);
        for (int i = 0; i < nusers; i++) {
            if (justnames) {
                reply_bulk_cstr(c, users[i]->name);
                continue;
            }
            strbuf b = {0};
            sb_cat(&b, "user ");
            sb_cat(&b, users[i]->name);
            sb_cat(&b, " ");
            describe_user(users[i], &b);
            reply_bulk(c, b.p, b.len);
            free(b.p);
        }
    } else if (!strcasecmp(sub, "whoami")) {
        reply_bulk_cstr(c, acl_user_name(c->user));
    } else if (!strcasecmp(sub, "load") || !strcasecmp(sub, "save")) {
        if (!server_config.aclfile || !server_config.aclfile[0]) {
            reply_error(c, ERR_NO_ACLFILE);
            return;
        }
        if (!strcasecmp(sub, "load")) {
            if (acl_load(c, err, sizeof(err)) < 0) reply_errorf(c, "ERR %s", err);
            else reply_ok(c);
        } else if (acl_save(err, sizeof(err)) < 0) {
            server_log(LOG_WARNING, "%s", err);
            reply_error(c, "ERR There was an error trying to save the ACLs. Please check the server logs for more "
                           "information");
        } else {
            reply_ok(c);
        }
    } else if (!strcasecmp(sub, "cat") && argc <= 3) {
        acl_cat(c);
    } else if (!strcasecmp(sub, "log") && argc <= 3) {
        acl_log_command(c);
    } else if (!strcasecmp(sub, "genpass") && argc <= 3) {
        acl_genpass(c);
    } else if (!strcasecmp(sub, "dryrun")) {
        acl_dryrun(c);
    } else if (!strcasecmp(sub, "help")) {
        reply_help_lines(c);
    } else {
        reply_sub_error(c);
    }
}
