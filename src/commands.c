/* commands.c - the command table, dispatch, and argument helpers.
 *
 * Every command strata implements has one row here; a command not in the
 * table answers Redis's "unknown command" error. Arity follows Redis's
 * convention (N exact, -N at least N, counting the command name), and the
 * key positions and flags are what COMMAND INFO reports.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define W CMD_WRITE
#define R CMD_READONLY
#define F CMD_FAST
#define M CMD_DENYOOM
#define A CMD_ADMIN
#define S CMD_STALE
#define L CMD_LOADING
#define NS CMD_NOSCRIPT
#define B CMD_BLOCKING

static command table[] = {
    /* strings (t_string.c) */
    {"get", getCommand, 2, R | F, 1, 1, 1, "string", "1.0.0", "Returns the string value of a key.", "read string fast"},
    {"set", setCommand, -3, W | M, 1, 1, 1, "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "write string slow"},
    {"setnx", setnxCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", "write string fast"},
    {"setex", setexCommand, 4, W | M, 1, 1, 1, "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "write string slow"},
    {"psetex", psetexCommand, 4, W | M, 1, 1, 1, "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "write string slow"},
    {"getset", getsetCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", "write string fast"},
    {"getdel", getdelCommand, 2, W | F, 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after deleting the key.", "write string fast"},
    {"getex", getexCommand, -2, W | F, 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after setting its expiration time.", "write string fast"},
    {"mget", mgetCommand, -2, R | F, 1, -1, 1, "string", "1.0.0", "Atomically returns the string values of one or more keys.", "read string fast"},
    {"mset", msetCommand, -3, W | M, 1, -1, 2, "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", "write string slow"},
    {"msetnx", msetnxCommand, -3, W | M, 1, -1, 2, "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "write string slow"},
    {"append", appendCommand, 3, W | M | F, 1, 1, 1, "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "write string fast"},
    {"strlen", strlenCommand, 2, R | F, 1, 1, 1, "string", "2.2.0", "Returns the length of a string value.", "read string fast"},
    {"incr", incrCommand, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"decr", decrCommand, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"incrby", incrbyCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"decrby", decrbyCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"incrbyfloat", incrbyfloatCommand, 3, W | M | F, 1, 1, 1, "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"getrange", getrangeCommand, 4, R, 1, 1, 1, "string", "2.4.0", "Returns a substring of the string stored at a key.", "read string slow"},
    {"substr", getrangeCommand, 4, R, 1, 1, 1, "string", "1.0.0", "Returns a substring from a string value.", "read string slow"},
    {"setrange", setrangeCommand, 4, W | M, 1, 1, 1, "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "write string slow"},
    {"lcs", lcsCommand, -3, R, 1, 2, 1, "string", "7.0.0", "Finds the longest common substring.", "read string slow"},
    /* hashes (t_hash.c) */
    {"hset", hsetCommand, -4, W | M | F, 1, 1, 1, "hash", "2.0.0", "Creates or modifies the value of a field in a hash.", "write hash fast"},
    {"hsetnx", hsetnxCommand, 4, W | M | F, 1, 1, 1, "hash", "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist.", "write hash fast"},
    {"hmset", hmsetCommand, -4, W | M | F, 1, 1, 1, "hash", "2.0.0", "Sets the values of multiple fields.", "write hash fast"},
    {"hget", hgetCommand, 3, R | F, 1, 1, 1, "hash", "2.0.0", "Returns the value of a field in a hash.", "read hash fast"},
    {"hmget", hmgetCommand, -3, R | F, 1, 1, 1, "hash", "2.0.0", "Returns the values of all fields in a hash.", "read hash fast"},
    {"hdel", hdelCommand, -3, W | F, 1, 1, 1, "hash", "2.0.0", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "write hash fast"},
    {"hlen", hlenCommand, 2, R | F, 1, 1, 1, "hash", "2.0.0", "Returns the number of fields in a hash.", "read hash fast"},
    {"hstrlen", hstrlenCommand, 3, R | F, 1, 1, 1, "hash", "3.2.0", "Returns the length of the value of a field.", "read hash fast"},
    {"hexists", hexistsCommand, 3, R | F, 1, 1, 1, "hash", "2.0.0", "Determines whether a field exists in a hash.", "read hash fast"},
    {"hkeys", hkeysCommand, 2, R, 1, 1, 1, "hash", "2.0.0", "Returns all fields in a hash.", "read hash slow"},
    {"hvals", hvalsCommand, 2, R, 1, 1, 1, "hash", "2.0.0", "Returns all values in a hash.", "read hash slow"},
    {"hgetall", hgetallCommand, 2, R, 1, 1, 1, "hash", "2.0.0", "Returns all fields and values in a hash.", "read hash slow"},
    {"hincrby", hincrbyCommand, 4, W | M | F, 1, 1, 1, "hash", "2.0.0", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "write hash fast"},
    {"hincrbyfloat", hincrbyfloatCommand, 4, W | M | F, 1, 1, 1, "hash", "2.6.0", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "write hash fast"},
    {"hrandfield", hrandfieldCommand, -2, R, 1, 1, 1, "hash", "6.2.0", "Returns one or more random fields from a hash.", "read hash slow"},
    {"hscan", hscanCommand, -3, R, 1, 1, 1, "hash", "2.8.0", "Iterates over fields and values of a hash.", "read hash slow"},
    /* end of hashes */
    /* sets (t_set.c) */
    {"sadd", saddCommand, -3, W | M | F, 1, 1, 1, "set", "1.0.0", "Add one or more members to a set", "write set fast"},
    {"srem", sremCommand, -3, W | F, 1, 1, 1, "set", "1.0.0", "Remove one or more members from a set", "write set fast"},
    {"sismember", sismemberCommand, 3, R | F, 1, 1, 1, "set", "1.0.0", "Determine if a given value is a member of a set", "read set fast"},
    {"smismember", smismemberCommand, -3, R | F, 1, 1, 1, "set", "6.2.0", "Returns the membership associated with the given elements for a set", "read set fast"},
    {"smembers", smembersCommand, 2, R, 1, 1, 1, "set", "1.0.0", "Get all the members in a set", "read set slow"},
    {"scard", scardCommand, 2, R | F, 1, 1, 1, "set", "1.0.0", "Get the number of members in a set", "read set fast"},
    {"spop", spopCommand, -2, W | F, 1, 1, 1, "set", "1.0.0", "Remove and return one or multiple random members from a set", "write set fast"},
    {"srandmember", srandmemberCommand, -2, R, 1, 1, 1, "set", "1.0.0", "Get one or multiple random members from a set", "read set slow"},
    {"smove", smoveCommand, 4, W | F, 1, 2, 1, "set", "1.0.0", "Move a member from one set to another", "write set fast"},
    {"sinter", sinterCommand, -2, R, 1, -1, 1, "set", "1.0.0", "Intersect multiple sets", "read set slow"},
    {"sintercard", sintercardCommand, -3, R, 0, 0, 0, "set", "7.0.0", "Intersect multiple sets and return the cardinality of the result", "read set slow"},
    {"sinterstore", sinterstoreCommand, -3, W | M, 1, -1, 1, "set", "1.0.0", "Intersect multiple sets and store the resulting set in a key", "write set slow"},
    {"sunion", sunionCommand, -2, R, 1, -1, 1, "set", "1.0.0", "Add multiple sets", "read set slow"},
    {"sunionstore", sunionstoreCommand, -3, W | M, 1, -1, 1, "set", "1.0.0", "Add multiple sets and store the resulting set in a key", "write set slow"},
    {"sdiff", sdiffCommand, -2, R, 1, -1, 1, "set", "1.0.0", "Subtract multiple sets", "read set slow"},
    {"sdiffstore", sdiffstoreCommand, -3, W | M, 1, -1, 1, "set", "1.0.0", "Subtract multiple sets and store the resulting set in a key", "write set slow"},
    {"sscan", sscanCommand, -3, R, 1, 1, 1, "set", "2.8.0", "Incrementally iterate Set elements", "read set slow"},
    /* end of sets */
    /* sorted sets (t_zset.c) */
    {"zadd", zaddCommand, -4, W | M | F, 1, 1, 1, "sorted-set", "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists", "write sortedset fast"},
    {"zincrby", zincrbyCommand, 4, W | M | F, 1, 1, 1, "sorted-set", "1.2.0", "Increment the score of a member in a sorted set", "write sortedset fast"},
    {"zrem", zremCommand, -3, W | F, 1, 1, 1, "sorted-set", "1.2.0", "Remove one or more members from a sorted set", "write sortedset fast"},
    {"zcard", zcardCommand, 2, R | F, 1, 1, 1, "sorted-set", "1.2.0", "Get the number of members in a sorted set", "read sortedset fast"},
    {"zscore", zscoreCommand, 3, R | F, 1, 1, 1, "sorted-set", "1.2.0", "Get the score associated with the given member in a sorted set", "read sortedset fast"},
    {"zmscore", zmscoreCommand, -3, R | F, 1, 1, 1, "sorted-set", "6.2.0", "Get the score associated with the given members in a sorted set", "read sortedset fast"},
    {"zrank", zrankCommand, 3, R | F, 1, 1, 1, "sorted-set", "2.0.0", "Determine the index of a member in a sorted set", "read sortedset fast"},
    {"zrevrank", zrevrankCommand, 3, R | F, 1, 1, 1, "sorted-set", "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low", "read sortedset fast"},
    {"zcount", zcountCommand, 4, R | F, 1, 1, 1, "sorted-set", "2.0.0", "Count the members in a sorted set with scores within the given values", "read sortedset fast"},
    {"zlexcount", zlexcountCommand, 4, R | F, 1, 1, 1, "sorted-set", "2.8.9", "Count the number of members in a sorted set between a given lexicographical range", "read sortedset fast"},
    {"zrange", zrangeCommand, -4, R, 1, 1, 1, "sorted-set", "1.2.0", "Return a range of members in a sorted set", "read sortedset slow"},
    {"zrevrange", zrevrangeCommand, -4, R, 1, 1, 1, "sorted-set", "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low", "read sortedset slow"},
    {"zrangestore", zrangestoreCommand, -5, W | M, 1, 2, 1, "sorted-set", "6.2.0", "Store a range of members from sorted set into another key", "write sortedset slow"},
    {"zrangebyscore", zrangebyscoreCommand, -4, R, 1, 1, 1, "sorted-set", "1.0.5", "Return a range of members in a sorted set, by score", "read sortedset slow"},
    {"zrevrangebyscore", zrevrangebyscoreCommand, -4, R, 1, 1, 1, "sorted-set", "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low", "read sortedset slow"},
    {"zrangebylex", zrangebylexCommand, -4, R, 1, 1, 1, "sorted-set", "2.8.9", "Return a range of members in a sorted set, by lexicographical range", "read sortedset slow"},
    {"zrevrangebylex", zrevrangebylexCommand, -4, R, 1, 1, 1, "sorted-set", "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "read sortedset slow"},
    {"zremrangebyrank", zremrangebyrankCommand, 4, W, 1, 1, 1, "sorted-set", "2.0.0", "Remove all members in a sorted set within the given indexes", "write sortedset slow"},
    {"zremrangebyscore", zremrangebyscoreCommand, 4, W, 1, 1, 1, "sorted-set", "1.2.0", "Remove all members in a sorted set within the given scores", "write sortedset slow"},
    {"zremrangebylex", zremrangebylexCommand, 4, W, 1, 1, 1, "sorted-set", "2.8.9", "Remove all members in a sorted set between the given lexicographical range", "write sortedset slow"},
    {"zpopmin", zpopminCommand, -2, W | F, 1, 1, 1, "sorted-set", "5.0.0", "Remove and return members with the lowest scores in a sorted set", "write sortedset fast"},
    {"zpopmax", zpopmaxCommand, -2, W | F, 1, 1, 1, "sorted-set", "5.0.0", "Remove and return members with the highest scores in a sorted set", "write sortedset fast"},
    {"zmpop", zmpopCommand, -4, W, 0, 0, 0, "sorted-set", "7.0.0", "Remove and return members with scores in a sorted set", "write sortedset slow"},
    {"bzpopmin", bzpopminCommand, -3, W | NS | B | F, 1, -2, 1, "sorted-set", "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "write sortedset fast blocking"},
    {"bzpopmax", bzpopmaxCommand, -3, W | NS | B | F, 1, -2, 1, "sorted-set", "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "write sortedset fast blocking"},
    {"bzmpop", bzmpopCommand, -5, W | B, 0, 0, 0, "sorted-set", "7.0.0", "Remove and return members with scores in a sorted set or block until one is available", "write sortedset slow blocking"},
    {"zrandmember", zrandmemberCommand, -2, R, 1, 1, 1, "sorted-set", "6.2.0", "Get one or multiple random elements from a sorted set", "read sortedset slow"},
    {"zunion", zunionCommand, -3, R, 0, 0, 0, "sorted-set", "6.2.0", "Add multiple sorted sets", "read sortedset slow"},
    {"zinter", zinterCommand, -3, R, 0, 0, 0, "sorted-set", "6.2.0", "Intersect multiple sorted sets", "read sortedset slow"},
    {"zdiff", zdiffCommand, -3, R, 0, 0, 0, "sorted-set", "6.2.0", "Subtract multiple sorted sets", "read sortedset slow"},
    {"zunionstore", zunionstoreCommand, -4, W | M, 1, 1, 1, "sorted-set", "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key", "write sortedset slow"},
    {"zinterstore", zinterstoreCommand, -4, W | M, 1, 1, 1, "sorted-set", "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key", "write sortedset slow"},
    {"zdiffstore", zdiffstoreCommand, -4, W | M, 1, 1, 1, "sorted-set", "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key", "write sortedset slow"},
    {"zintercard", zintercardCommand, -3, R, 0, 0, 0, "sorted-set", "7.0.0", "Intersect multiple sorted sets and return the cardinality of the result", "read sortedset slow"},
    {"zscan", zscanCommand, -3, R, 1, 1, 1, "sorted-set", "2.8.0", "Incrementally iterate sorted sets elements and associated scores", "read sortedset slow"},
    /* end of sorted sets */
    /* lists (t_list.c) */
    {"lpush", lpushCommand, -3, W | M | F, 1, 1, 1, "list", "1.0.0", "Prepend one or multiple elements to a list", "write list fast"},
    {"rpush", rpushCommand, -3, W | M | F, 1, 1, 1, "list", "1.0.0", "Append one or multiple elements to a list", "write list fast"},
    {"lpushx", lpushxCommand, -3, W | M | F, 1, 1, 1, "list", "2.2.0", "Prepend an element to a list, only if the list exists", "write list fast"},
    {"rpushx", rpushxCommand, -3, W | M | F, 1, 1, 1, "list", "2.2.0", "Append an element to a list, only if the list exists", "write list fast"},
    {"lpop", lpopCommand, -2, W | F, 1, 1, 1, "list", "1.0.0", "Remove and get the first elements in a list", "write list fast"},
    {"rpop", rpopCommand, -2, W | F, 1, 1, 1, "list", "1.0.0", "Remove and get the last elements in a list", "write list fast"},
    {"llen", llenCommand, 2, R | F, 1, 1, 1, "list", "1.0.0", "Get the length of a list", "read list fast"},
    {"lindex", lindexCommand, 3, R, 1, 1, 1, "list", "1.0.0", "Get an element from a list by its index", "read list slow"},
    {"lset", lsetCommand, 4, W | M, 1, 1, 1, "list", "1.0.0", "Set the value of an element in a list by its index", "write list slow"},
    {"lrange", lrangeCommand, 4, R, 1, 1, 1, "list", "1.0.0", "Get a range of elements from a list", "read list slow"},
    {"ltrim", ltrimCommand, 4, W, 1, 1, 1, "list", "1.0.0", "Trim a list to the specified range", "write list slow"},
    {"lrem", lremCommand, 4, W, 1, 1, 1, "list", "1.0.0", "Remove elements from a list", "write list slow"},
    {"linsert", linsertCommand, 5, W | M, 1, 1, 1, "list", "2.2.0", "Insert an element before or after another element in a list", "write list slow"},
    {"lpos", lposCommand, -3, R, 1, 1, 1, "list", "6.0.6", "Return the index of matching elements on a list", "read list slow"},
    {"lmove", lmoveCommand, 5, W | M, 1, 2, 1, "list", "6.2.0", "Pop an element from a list, push it to another list and return it", "write list slow"},
    {"rpoplpush", rpoplpushCommand, 3, W | M, 1, 2, 1, "list", "1.2.0", "Remove the last element in a list, prepend it to another list and return it", "write list slow"},
    {"lmpop", lmpopCommand, -4, W, 0, 0, 0, "list", "7.0.0", "Pop elements from a list", "write list slow"},
    {"blpop", blpopCommand, -3, W | NS | B, 1, -2, 1, "list", "2.0.0", "Remove and get the first element in a list, or block until one is available", "write list slow blocking"},
    {"brpop", brpopCommand, -3, W | NS | B, 1, -2, 1, "list", "2.0.0", "Remove and get the last element in a list, or block until one is available", "write list slow blocking"},
    {"blmove", blmoveCommand, 6, W | M | NS | B, 1, 2, 1, "list", "6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "write list slow blocking"},
    {"brpoplpush", brpoplpushCommand, 4, W | M | NS | B, 1, 2, 1, "list", "2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "write list slow blocking"},
    {"blmpop", blmpopCommand, -5, W | B, 0, 0, 0, "list", "7.0.0", "Pop elements from a list, or block until one is available", "write list slow blocking"},
    /* end of lists */
    /* pub/sub (pubsub.c) */
    {"subscribe", subscribeCommand, -2, CMD_PUBSUB | NS | L | S, 0, 0, 0, "pubsub", "2.0.0", "Listen for messages published to the given channels", "pubsub slow"},
    {"unsubscribe", unsubscribeCommand, -1, CMD_PUBSUB | NS | L | S, 0, 0, 0, "pubsub", "2.0.0", "Stop listening for messages posted to the given channels", "pubsub slow"},
    {"psubscribe", psubscribeCommand, -2, CMD_PUBSUB | NS | L | S, 0, 0, 0, "pubsub", "2.0.0", "Listen for messages published to channels matching the given patterns", "pubsub slow"},
    {"punsubscribe", punsubscribeCommand, -1, CMD_PUBSUB | NS | L | S, 0, 0, 0, "pubsub", "2.0.0", "Stop listening for messages posted to channels matching the given patterns", "pubsub slow"},
    {"publish", publishCommand, 3, CMD_PUBSUB | L | S | F | CMD_MAY_REPLICATE, 0, 0, 0, "pubsub", "2.0.0", "Post a message to a channel", "pubsub fast"},
    {"ssubscribe", ssubscribeCommand, -2, CMD_PUBSUB | NS | L | S, 1, -1, 1, "pubsub", "7.0.0", "Listen for messages published to the given shard channels", "pubsub slow"},
    {"sunsubscribe", sunsubscribeCommand, -1, CMD_PUBSUB | NS | L | S, 1, -1, 1, "pubsub", "7.0.0", "Stop listening for messages posted to the given shard channels", "pubsub slow"},
    {"spublish", spublishCommand, 3, CMD_PUBSUB | L | S | F | CMD_MAY_REPLICATE, 1, 1, 1, "pubsub", "7.0.0", "Post a message to a shard channel", "pubsub fast"},
    {"pubsub", pubsubCommand, -2, 0, 0, 0, 0, "pubsub", "2.8.0", "A container for Pub/Sub commands", "slow"},
    /* end of pub/sub */
    /* keyspace (db.c) */
    {"del", delCommand, -2, W, 1, -1, 1, "generic", "1.0.0", "Deletes one or more keys.", "keyspace write slow"},
    {"unlink", unlinkCommand, -2, W | F, 1, -1, 1, "generic", "4.0.0", "Asynchronously deletes one or more keys.", "keyspace write fast"},
    {"exists", existsCommand, -2, R | F, 1, -1, 1, "generic", "1.0.0", "Determines whether one or more keys exist.", "keyspace read fast"},
    {"type", typeCommand, 2, R | F, 1, 1, 1, "generic", "1.0.0", "Determines the type of value stored at a key.", "keyspace read fast"},
    {"rename", renameCommand, 3, W, 1, 2, 1, "generic", "1.0.0", "Renames a key and overwrites the destination.", "keyspace write slow"},
    {"renamenx", renamenxCommand, 3, W | F, 1, 2, 1, "generic", "1.0.0", "Renames a key only when the target key name doesn't exist.", "keyspace write fast"},
    {"copy", copyCommand, -3, W | M, 1, 2, 1, "generic", "6.2.0", "Copies the value of a key to a new key.", "keyspace write slow"},
    {"move", moveCommand, 3, W | F, 1, 1, 1, "generic", "1.0.0", "Moves a key to another database.", "keyspace write fast"},
    {"keys", keysCommand, 2, R, 0, 0, 0, "generic", "1.0.0", "Returns all key names that match a pattern.", "keyspace read slow dangerous"},
    {"scan", scanCommand, -2, R, 0, 0, 0, "generic", "2.8.0", "Iterates over the key names in the database.", "keyspace read slow"},
    {"randomkey", randomkeyCommand, 1, R, 0, 0, 0, "generic", "1.0.0", "Returns a random key name from the database.", "keyspace read slow"},
    {"touch", touchCommand, -2, R | F, 1, -1, 1, "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "keyspace read fast"},
    {"expire", expireCommand, -3, W | F, 1, 1, 1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.", "keyspace write fast"},
    {"pexpire", pexpireCommand, -3, W | F, 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", "keyspace write fast"},
    {"expireat", expireatCommand, -3, W | F, 1, 1, 1, "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", "keyspace write fast"},
    {"pexpireat", pexpireatCommand, -3, W | F, 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "keyspace write fast"},
    {"ttl", ttlCommand, 2, R | F, 1, 1, 1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.", "keyspace read fast"},
    {"pttl", pttlCommand, 2, R | F, 1, 1, 1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", "keyspace read fast"},
    {"expiretime", expiretimeCommand, 2, R | F, 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", "keyspace read fast"},
    {"pexpiretime", pexpiretimeCommand, 2, R | F, 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "keyspace read fast"},
    {"persist", persistCommand, 2, W | F, 1, 1, 1, "generic", "2.2.0", "Removes the expiration time of a key.", "keyspace write fast"},
    {"object", objectCommand, -2, R, 2, 2, 1, "generic", "2.2.3", "A container for object introspection commands.", "keyspace read slow"},
    {"select", selectCommand, 2, L | S | F, 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "fast connection"},
    {"dbsize", dbsizeCommand, 1, R | F, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "keyspace read fast"},
    {"flushdb", flushdbCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "keyspace write slow dangerous"},
    {"flushall", flushallCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "keyspace write slow dangerous"},
    {"swapdb", swapdbCommand, 3, W | F, 0, 0, 0, "server", "4.0.0", "Swaps two Redis databases.", "keyspace write fast dangerous"},
    {"memory", memoryCommand, -2, 0, 0, 0, 0, "server", "4.0.0", "A container for memory diagnostics commands.", "slow"},
    /* connection and server (cmd_server.c) */
    {"ping", pingCommand, -1, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "fast connection"},
    {"echo", echoCommand, 2, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "fast connection"},
    {"quit", quitCommand, -1, F | S | L | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "fast connection"},
    {"time", timeCommand, 1, F | S | L, 0, 0, 0, "server", "2.6.0", "Returns the server time.", "fast"},
    {"info", infoCommand, -1, S | L, 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "slow dangerous"},
    {"shutdown", shutdownCommand, -1, A | NS | L | S, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "admin slow dangerous"},
    {"command", commandCommand, -1, S | L, 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "slow connection"},
    {"config", configCommand, -2, A | NS | L | S, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands.", "admin slow dangerous"},
    {"client", clientCommand, -2, NS | L | S, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands.", "slow connection"},
    {"auth", authCommand, -2, NS | L | S | F | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "fast connection"},
    {"save", saveCommand, 1, A | NS, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"bgsave", bgsaveCommand, -1, A | NS, 0, 0, 0, "server", "1.0.0", "Asynchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"lastsave", lastsaveCommand, 1, F | L | S, 0, 0, 0, "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", "fast admin dangerous"},
};

#undef W
#undef R
#undef F
#undef M
#undef A
#undef S
#undef L
#undef NS
#undef B

int command_count(void) { return (int)(sizeof(table) / sizeof(table[0])); }

const command *command_at(int i) { return &table[i]; }

const command *command_lookup(const char *name, size_t len) {
    /* Linear over ~60 names is a few hundred ns; a hash table can come with
     * the next hundred commands. */
    for (int i = 0; i < command_count(); i++) {
        if (strlen(table[i].name) == len && strncasecmp(table[i].name, name, len) == 0) return &table[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------ */

/* Redis's text: the name (cut at 128 bytes) and the first arguments quoted,
 * up to about 128 bytes of them. */
static void reply_unknown_command(client *c) {
    char args[512];
    size_t len = 0;
    args[0] = 0;
    for (int i = 1; i < c->argc && len < 128; i++) {
        int room = 128 - (int)len;
        int n = snprintf(args + len, sizeof(args) - len, "'%.*s' ", room, c->argv[i].ptr);
        if (n < 0) break;
        len += (size_t)n < sizeof(args) - len ? (size_t)n : sizeof(args) - len - 1;
    }
    reply_errorf(c, "ERR unknown command '%.128s', with args beginning with: %s", c->argv[0].ptr, args);
}

/* Keep the hot tier within maxmemory before a command runs, as Redis
 * evicts before each command. Eviction only drops in-memory copies. When
 * nothing more can be evicted, commands that may grow memory are refused.
 * Returns 0 when the command must not run (the error is sent). */
static int enforce_maxmemory(client *c, const command *cmd) {
    uint64_t limit = (uint64_t)server_config.maxmemory;
    if (server_config.maxmemory_policy != MAXMEMORY_NO_EVICTION)
        server.stat_evictedkeys +=
            tier_hot_evict(limit, server_config.maxmemory_policy, server_config.maxmemory_samples);
    /* Still over (noeviction, or a volatile policy with nothing volatile
     * left): refuse what may grow memory, as Redis does. */
    tier_hot_info hi;
    tier_hot_stats(&hi);
    if (hi.bytes > limit && (cmd->flags & CMD_DENYOOM)) {
        reply_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
        return 0;
    }
    return 1;
}

/* Commands run inside other commands (EXEC's) see depth > 0: they are
 * neither paused nor followed by serving blocked clients; the outer command
 * is, once it is done. */
static int depth;

static void call(client *c, const command *cmd, command_proc *proc) {
    server_update_time();
    int before = tier_pending();
    long long start = util_ustime();
    c->lastcmd = cmd;
    depth++;
    proc(c);
    depth--;
    command *mcmd = (command *)cmd;
    mcmd->usec += util_ustime() - start;
    /* A command that blocked is counted once, when it finishes, as Redis. */
    if (!(c->flags & CLIENT_BLOCKED)) {
        mcmd->calls++;
        server.stat_numcommands++;
    }
    if (tier_pending() != before) c->flags |= CLIENT_WROTE;
}

void command_reprocess(client *c) {
    const command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (cmd) call(c, cmd, cmd->proc);
}

void command_process(client *c) {
    const command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (!cmd) {
        reply_unknown_command(c);
        return;
    }
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity)) {
        reply_error_arity(c);
        return;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        reply_error(c, "NOAUTH Authentication required.");
        return;
    }
    if (server.store_error && (cmd->flags & CMD_WRITE)) {
        reply_errorf(c, "MISCONF Errors writing to the store (%s). Commands that may modify the data set are "
                        "disabled until the disk recovers; reads keep working.", server.store_error_msg);
        return;
    }
    if (server_config.maxmemory > 0 && !enforce_maxmemory(c, cmd)) return;
    /* RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING and QUIT; PING
     * answers in the pub/sub shape. */
    command_proc *proc = cmd->proc;
    if (c->flags & CLIENT_PUBSUB && c->resp == 2) {
        if (pubsub_deny_command(c, cmd)) return;
        if (proc == pingCommand) proc = pubsub_ping;
    }
    /* CLIENT PAUSE: the command waits, unrun, until the pause ends. */
    if (depth == 0 && block_pause_parks(c, cmd)) {
        c->lastcmd = cmd; /* CLIENT LIST shows what it waits to run */
        return;
    }
    call(c, cmd, proc);
    /* Clients blocked on keys this command wrote are served now, before
     * any other client's next command. */
    if (depth == 0) block_run_pending();
}

/* ---------------------------------------------------------------------------
 * Argument helpers
 * ------------------------------------------------------------------------ */

int arg_longlong(client *c, int i, long long *out, const char *err) {
    if (util_str2ll(c->argv[i].ptr, c->argv[i].len, out)) return 0;
    reply_error(c, err ? err : ERR_NOT_INTEGER);
    return -1;
}

int arg_double(client *c, int i, double *out, const char *err) {
    if (util_str2d(c->argv[i].ptr, c->argv[i].len, out)) return 0;
    reply_error(c, err ? err : ERR_NOT_FLOAT);
    return -1;
}

int arg_is(client *c, int i, const char *word) {
    return i < c->argc && strlen(word) == c->argv[i].len && strcasecmp(c->argv[i].ptr, word) == 0;
}
