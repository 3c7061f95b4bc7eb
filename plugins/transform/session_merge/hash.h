/*
 * hash.h - the stable ids of session_merge: FNV-1a over 128 bits.
 *
 * touchpoint_id and session_id must be the same for the same input on every
 * run and on every machine, so they are a hash of the fields that identify
 * the touchpoint or the session, never of addresses, times of the run or
 * arrival order.  FNV-1a (128-bit variant) is written out here: no library
 * is needed, and byte order or word size cannot change the result.
 */
#ifndef SM_HASH_H
#define SM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Length of the hex form, without the terminating NUL. */
#define SM_HASH_HEX_LEN 32

/* Hashes the n strings of parts (none NULL), each followed by the byte 0x1f
 * (unit separator) so that ("ab", "c") and ("a", "bc") differ, and writes
 * the 128-bit result as 32 lowercase hex digits plus a NUL into hex. */
void sm_hash_hex(const char *const *parts, size_t n,
                 char hex[SM_HASH_HEX_LEN + 1]);

/* Room for an int64_t in decimal, with its sign and a NUL. */
#define SM_DECIMAL_SIZE 24

/* Writes v in decimal (as printf's PRId64 does) into out; returns the
 * length without the NUL. */
size_t sm_hash_decimal(int64_t v, char out[SM_DECIMAL_SIZE]);

#endif
