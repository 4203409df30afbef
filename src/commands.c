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
    /* streams (t_stream.c) */
    {"xadd", xaddCommand, -5, W | M | F, 1, 1, 1, "stream", "5.0.0", "Appends a new message to a stream. Creates the key if it doesn't exist.", "write stream fast"},
    {"xlen", xlenCommand, 2, R | F, 1, 1, 1, "stream", "5.0.0", "Return the number of messages in a stream.", "read stream fast"},
    {"xrange", xrangeCommand, -4, R, 1, 1, 1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs.", "read stream slow"},
    {"xrevrange", xrevrangeCommand, -4, R, 1, 1, 1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs in reverse order.", "read stream slow"},
    {"xdel", xdelCommand, -3, W | F, 1, 1, 1, "stream", "5.0.0", "Returns the number of messages after removing them from a stream.", "write stream fast"},
    {"xtrim", xtrimCommand, -4, W, 1, 1, 1, "stream", "5.0.0", "Deletes messages from the beginning of a stream.", "write stream slow"},
    {"xread", xreadCommand, -4, R, 0, 0, 0, "stream", "5.0.0", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", "read stream slow blocking"},
    {"xsetid", xsetidCommand, -3, W | M | F, 1, 1, 1, "stream", "5.0.0", "An internal command for replicating stream values.", "write stream fast"},
    {"xgroup", xgroupCommand, -2, 0, 0, 0, 0, "stream", "5.0.0", "A container for consumer groups commands.", "slow"},
    {"xreadgroup", xreadgroupCommand, -7, W, 0, 0, 0, "stream", "5.0.0", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", "write stream slow blocking"},
    {"xack", xackCommand, -4, W | F, 1, 1, 1, "stream", "5.0.0", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", "write stream fast"},
    {"xpending", xpendingCommand, -3, R, 1, 1, 1, "stream", "5.0.0", "Returns the information and entries from a stream consumer group's pending entries list.", "read stream slow"},
    {"xclaim", xclaimCommand, -6, W | F, 1, 1, 1, "stream", "5.0.0", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", "write stream fast"},
    {"xautoclaim", xautoclaimCommand, -6, W | F, 1, 1, 1, "stream", "6.2.0", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", "write stream fast"},
    {"xinfo", xinfoCommand, -2, 0, 0, 0, 0, "stream", "5.0.0", "A container for stream introspection commands.", "slow"},
    /* end of streams */
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
    {"object", objectCommand, -2, R, 2, 2, 1, "generic", "2.2.3", "A container for object introspection commands.", "slow"},
    {"select", selectCommand, 2, L | S | F, 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "fast connection"},
    {"dbsize", dbsizeCommand, 1, R | F, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "keyspace read fast"},
    {"flushdb", flushdbCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "keyspace write slow dangerous"},
    {"flushall", flushallCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "keyspace write slow dangerous"},
    {"swapdb", swapdbCommand, 3, W | F, 0, 0, 0, "server", "4.0.0", "Swaps two Redis databases.", "keyspace write fast dangerous"},
    {"memory", memoryCommand, -2, 0, 0, 0, 0, "server", "4.0.0", "A container for memory diagnostics commands.", "slow"},
    /* transactions (multi.c) */
    {"multi", multiCommand, 1, NS | L | S | F, 0, 0, 0, "transactions", "1.2.0", "Starts a transaction.", "fast transaction"},
    {"exec", execCommand, 1, NS | L | S, 0, 0, 0, "transactions", "1.2.0", "Executes all commands in a transaction.", "slow transaction"},
    {"discard", discardCommand, 1, NS | L | S | F, 0, 0, 0, "transactions", "2.0.0", "Discards a transaction.", "fast transaction"},
    {"watch", watchCommand, -2, NS | L | S | F, 1, -1, 1, "transactions", "2.2.0", "Monitors changes to keys to determine the execution of a transaction.", "fast transaction"},
    {"unwatch", unwatchCommand, 1, NS | L | S | F, 0, 0, 0, "transactions", "2.2.0", "Forgets about watched keys of a transaction.", "fast transaction"},
    /* end of transactions */
    /* connection and server (cmd_server.c) */
    {"ping", pingCommand, -1, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "fast connection"},
    {"echo", echoCommand, 2, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "fast connection"},
    {"quit", quitCommand, -1, F | S | L | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "fast connection"},
    {"time", timeCommand, 1, F | S | L, 0, 0, 0, "server", "2.6.0", "Returns the server time.", "fast"},
    {"info", infoCommand, -1, S | L, 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "slow dangerous"},
    {"shutdown", shutdownCommand, -1, A | NS | L | S | CMD_NO_MULTI, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "admin slow dangerous"},
    {"command", commandCommand, -1, S | L, 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "slow connection"},
    {"config", configCommand, -2, A | NS | L | S, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands.", "slow"},
    {"client", clientCommand, -2, NS | L | S, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands.", "slow"},
    {"auth", authCommand, -2, NS | L | S | F | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "fast connection"},
    {"hello", helloCommand, -1, NS | L | S | F | CMD_NOAUTH, 0, 0, 0, "connection", "6.0.0", "Handshakes with the Redis server.", "fast connection"},
    /* access control (acl.c) */
    {"acl", aclCommand, -2, 0, 0, 0, 0, "server", "6.0.0", "A container for Access List Control commands.", "slow"},
    {"save", saveCommand, 1, A | NS | CMD_NO_MULTI, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"bgsave", bgsaveCommand, -1, A | NS, 0, 0, 0, "server", "1.0.0", "Asynchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"lastsave", lastsaveCommand, 1, F | L | S, 0, 0, 0, "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", "admin fast dangerous"},
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
 * Returns 0 when the command must not run (deny: it may grow memory). */
static int enforce_maxmemory(client *c, const command *cmd, int deny) {
    uint64_t limit = (uint64_t)server_config.maxmemory;
    if (server_config.maxmemory_policy != MAXMEMORY_NO_EVICTION)
        server.stat_evictedkeys +=
            tier_hot_evict(limit, server_config.maxmemory_policy, server_config.maxmemory_samples);
    /* Still over (noeviction, or a volatile policy with nothing volatile
     * left): refuse what may grow memory, as Redis does. */
    tier_hot_info hi;
    tier_hot_stats(&hi);
    return !(hi.bytes > limit && deny);
}

/* The name CLIENT LIST shows as cmd=, as Redis 7's lookupCommand finds
 * it: a container's subcommand as "client|info", NULL for an unknown
 * subcommand (Redis prints "NULL" then, as after an unknown command). */
static const char *full_command_name(client *c, command *cmd) {
    if (!cmd->subcommands) cmd->subcommands = command_doc_subcommand_count(cmd->name) > 0 ? 2 : 1;
    if (cmd->subcommands == 1 || c->argc < 2) return cmd->name;
    if (c->argv[1].len > 64) return NULL;
    char full[128];
    snprintf(full, sizeof(full), "%s|%s", cmd->name, c->argv[1].ptr);
    const command_doc *d = command_doc_lookup(full);
    return d ? d->name : NULL;
}

/* A command refused before it ran. Inside MULTI this flags the transaction
 * (EXEC will answer EXECABORT); a refused EXEC discards it, as Redis does. */
static void reject(client *c, const command *cmd, const char *err) {
    multi_flag(c);
    if (cmd && cmd->proc == execCommand)
        multi_exec_abort(c, err);
    else
        reply_error(c, err);
}

static int is_multi_control(const command *cmd) {
    return cmd->proc == execCommand || cmd->proc == discardCommand || cmd->proc == multiCommand ||
           cmd->proc == watchCommand || cmd->proc == quitCommand;
}

/* Commands run inside other commands (EXEC's) see depth > 0: they are
 * neither paused nor followed by serving blocked clients; the outer command
 * is, once it is done. */
static int depth;

void command_call(client *c, const command *cmd) {
    long long start = util_ustime();
    c->lastcmd = cmd;
    const command *outer = c->cmd;
    client *outer_client = server.current_client;
    c->cmd = cmd;
    server.current_client = c;
    depth++;
    /* RESP2 subscribed mode (also reached inside EXEC after a queued
     * SUBSCRIBE): PING answers in the pub/sub shape. */
    if (c->flags & CLIENT_PUBSUB && c->resp == 2 && cmd->proc == pingCommand)
        pubsub_ping(c);
    else
        cmd->proc(c);
    depth--;
    if (c->tracking) tracking_after_command(c, cmd);
    server.current_client = outer_client;
    c->cmd = outer;
    command *mcmd = (command *)cmd;
    mcmd->usec += util_ustime() - start;
    /* A command that blocked is counted once, when it finishes, as Redis. */
    if (!(c->flags & CLIENT_BLOCKED)) {
        mcmd->calls++;
        server.stat_numcommands++;
    }
}

/* Run a blocked client's command again (blocking.c: its key is ready, or
 * its pause ended). The checks passed when it first came. */
void command_reprocess(client *c) {
    const command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (!cmd) return;
    server_update_time();
    int before = tier_pending();
    command_call(c, cmd);
    if (tier_pending() != before) c->flags |= CLIENT_WROTE;
}

void command_process(client *c) {
    const command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    char err[512];
    c->lastcmd_name = cmd ? full_command_name(c, (command *)cmd) : NULL;
    if (!cmd) {
        multi_flag(c);
        reply_unknown_command(c);
        return;
    }
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity)) {
        snprintf(err, sizeof(err), "ERR wrong number of arguments for '%s' command", cmd->name);
        reject(c, cmd, err);
        return;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        reject(c, cmd, "NOAUTH Authentication required.");
        return;
    }
    /* Redis names the refused command in CLIENT LIST and ACL LOG. */
    c->lastcmd = cmd;
    int acl_errpos, acl_reason = acl_check_command(c, cmd, c->argc, c->argv, &acl_errpos);
    if (acl_reason != ACL_OK) {
        multi_flag(c);
        acl_reply_denied(c, cmd, c->argc, c->argv, acl_reason, acl_errpos,
                         (c->flags & CLIENT_MULTI) ? ACL_CTX_MULTI : ACL_CTX_TOPLEVEL);
        return;
    }
    int in_multi = c->flags & CLIENT_MULTI;
    if (in_multi && (cmd->flags & CMD_NO_MULTI)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction");
        return;
    }
    /* EXEC is judged by what it would run. */
    int flags = cmd->flags | (cmd->proc == execCommand ? multi_queued_flags(c) : 0);
    if (server_config.maxmemory > 0) {
        /* Queueing takes memory too: when out of memory, Redis refuses every
         * command but EXEC, DISCARD and QUIT inside MULTI. */
        int deny = (flags & CMD_DENYOOM) ||
                   (in_multi && cmd->proc != execCommand && cmd->proc != discardCommand && cmd->proc != quitCommand);
        if (!enforce_maxmemory(c, cmd, deny)) {
            reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
            return;
        }
    }
    if (server.store_error && (flags & CMD_WRITE)) {
        snprintf(err, sizeof(err),
                 "MISCONF Errors writing to the store (%s). Commands that may modify the data set are "
                 "disabled until the disk recovers; reads keep working.", server.store_error_msg);
        reject(c, cmd, err);
        return;
    }
    /* RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING and QUIT. */
    if (c->flags & CLIENT_PUBSUB && c->resp == 2 && pubsub_deny_command(c, cmd)) return;
    /* CLIENT PAUSE: the command waits, unrun, until the pause ends (a write
     * is parked even when it would only be queued, as in Redis). */
    if (depth == 0 && block_pause_parks(c, flags)) {
        c->lastcmd = cmd; /* CLIENT LIST shows what it waits to run */
        return;
    }
    if (in_multi && !is_multi_control(cmd)) {
        multi_queue(c, cmd);
        return;
    }
    server_update_time();
    int before = tier_pending();
    command_call(c, cmd);
    if (tier_pending() != before) c->flags |= CLIENT_WROTE;
    /* Clients blocked on keys this command wrote are served now, before
     * any other client's next command. */
    if (depth == 0) block_run_pending();
}

/* ---------------------------------------------------------------------------
 * Keys of a call
 * ------------------------------------------------------------------------ */

/* keyspec_table rows of each command-table row (first row and count), and
 * of the subcommands, found once. */
#define NCOMMANDS ((int)(sizeof(table) / sizeof(table[0])))
static int spec_first[NCOMMANDS], spec_count[NCOMMANDS], specs_indexed;

static void index_specs(void) {
    for (int i = 0; i < NCOMMANDS; i++) {
        spec_first[i] = -1;
        for (int j = 0; keyspec_table[j].name; j++) {
            if (strcasecmp(keyspec_table[j].name, table[i].name) != 0) continue;
            if (spec_first[i] < 0) spec_first[i] = j;
            spec_count[i]++;
        }
    }
    specs_indexed = 1;
}

/* Redis's key-spec walk for one spec: appends the keys it finds to *out.
 * Returns -1 when the arguments do not fit the spec (a bad numkeys). */
static int keys_from_spec(const key_spec *ks, int argc, const resp_arg *argv, key_ref **out, int *n, int *cap) {
    int first = ks->index, last, step;
    if (first >= argc) return 0; /* an optional key that is absent */
    if (ks->kind == KS_RANGE) {
        step = ks->b;
        if (ks->a >= 0) last = first + ks->a;
        else if (!ks->c) last = argc + ks->a;
        else last = first + ((argc - first) / ks->c + ks->a);
    } else {
        long long numkeys;
        if (first + ks->a >= argc) return -1;
        const resp_arg *nk = &argv[first + ks->a];
        if (!util_str2ll(nk->ptr, nk->len, &numkeys) || numkeys < 0 || numkeys > argc) return -1;
        first += ks->b;
        last = first + (int)numkeys - 1;
        step = ks->c;
    }
    if (last >= argc || last < first || first >= argc) return -1;
    for (int i = first; i <= last; i += step) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *out = realloc(*out, sizeof(**out) * (size_t)*cap);
        }
        (*out)[(*n)++] = (key_ref){i, ks->flags};
    }
    return 0;
}

/* The keyspec_table rows of a call: *first (-1 when none) and the count. */
static void specs_of_call(const command *cmd, int argc, const resp_arg *argv, int *first, int *count) {
    if (!specs_indexed) index_specs();
    int idx = (int)(cmd - table);
    *first = idx >= 0 && idx < NCOMMANDS ? spec_first[idx] : -1;
    *count = idx >= 0 && idx < NCOMMANDS ? spec_count[idx] : 0;
    if (*first < 0 && argc >= 2 && cmd->firstkey == 0 && argv[1].len < 64) {
        /* A container's subcommand ("object|encoding") may have keys. */
        char subname[128];
        snprintf(subname, sizeof(subname), "%s|%.*s", cmd->name, (int)argv[1].len, argv[1].ptr);
        for (int j = 0; keyspec_table[j].name; j++) {
            if (strcasecmp(keyspec_table[j].name, subname) != 0) continue;
            if (*first < 0) *first = j;
            (*count)++;
        }
    }
}

int command_has_keys(const command *cmd, int argc, const resp_arg *argv) {
    int first, count;
    specs_of_call(cmd, argc, argv, &first, &count);
    if (first < 0) return cmd->firstkey > 0;
    for (int j = first; j < first + count; j++)
        if (!(keyspec_table[j].flags & KS_NOT_KEY)) return 1;
    return 0;
}

int command_get_keys(const command *cmd, int argc, const resp_arg *argv, key_ref **out) {
    *out = NULL;
    int idx = (int)(cmd - table);
    if (idx < 0 || idx >= command_count()) return 0;
    int first, count;
    specs_of_call(cmd, argc, argv, &first, &count);
    int n = 0, cap = 0;
    if (first < 0) {
        /* No key specs (a command added without a row in keyspecs.c): the
         * table's positions, read and written. */
        if (cmd->firstkey <= 0) return 0;
        key_spec ks = {cmd->name, KS_RW | KS_ACCESS | KS_UPDATE, cmd->firstkey, KS_RANGE,
                       cmd->lastkey >= 0 ? cmd->lastkey - cmd->firstkey : cmd->lastkey, cmd->keystep, 0};
        if (keys_from_spec(&ks, argc, argv, out, &n, &cap) < 0) n = 0;
        return n;
    }
    for (int j = first; j < first + count; j++) {
        const key_spec *ks = &keyspec_table[j];
        if (ks->flags & KS_NOT_KEY) continue;
        if (keys_from_spec(ks, argc, argv, out, &n, &cap) < 0) {
            n = 0; /* the command reports the bad arguments itself */
            break;
        }
    }
    /* SET's flags depend on GET (Redis's setGetKeys). */
    if (n == 1 && cmd->proc == setCommand) {
        (*out)[0].flags = KS_OW | KS_UPDATE;
        for (int i = 3; i < argc; i++)
            if (argv[i].len == 3 && !strncasecmp(argv[i].ptr, "get", 3)) (*out)[0].flags = KS_RW | KS_ACCESS | KS_UPDATE;
    }
    if (n == 0) {
        free(*out);
        *out = NULL;
    }
    return n;
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
