/*
 * hash.c - FNV-1a over 128 bits, on two 64-bit halves.
 *
 * The 128-bit FNV prime is 2^88 + 0x13b, so multiplying by it is a shift
 * plus a small product: h * p = (h << 88) + h * 0x13b (mod 2^128).  The
 * small product is carried across the halves by hand.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "hash.h"

#define FNV128_BASIS_HI UINT64_C(0x6c62272e07bb0142)
#define FNV128_BASIS_LO UINT64_C(0x62b821756295c58d)
#define FNV128_PRIME_LOW 0x13bu
#define UNIT_SEPARATOR 0x1fu

typedef struct u128 {
  uint64_t hi;
  uint64_t lo;
} u128;

/* h * (2^88 + 0x13b) mod 2^128. */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 sm_u128_native;

/* One 64x64->128 product where the compiler has one (x86-64, arm64): half
 * the instructions of the version below, the same result. */
static u128 multiply_by_prime(u128 h)
{
  sm_u128_native p = (sm_u128_native)h.lo * FNV128_PRIME_LOW;
  u128 out;

  out.lo = (uint64_t)p;
  out.hi = h.hi * FNV128_PRIME_LOW + (uint64_t)(p >> 64) + (h.lo << 24);
  return out;
}
#else
static u128 multiply_by_prime(u128 h)
{
  uint64_t p0 = (h.lo & UINT64_C(0xffffffff)) * FNV128_PRIME_LOW;
  uint64_t p1 = (h.lo >> 32) * FNV128_PRIME_LOW;
  uint64_t lo = p0 + (p1 << 32);
  uint64_t carry = (p1 >> 32) + (lo < p0 ? 1u : 0u);
  u128 out;

  out.lo = lo;
  out.hi = h.hi * FNV128_PRIME_LOW + carry + (h.lo << 24);
  return out;
}
#endif

static const char HEX_DIGITS[] = "0123456789abcdef";

static u128 add_byte(u128 h, unsigned char byte)
{
  h.lo ^= byte;
  return multiply_by_prime(h);
}

void sm_hash_hex(const char *const *parts, size_t n,
                 char hex[SM_HASH_HEX_LEN + 1])
{
  u128 h = {FNV128_BASIS_HI, FNV128_BASIS_LO};
  const unsigned char *p;
  size_t i;

  for (i = 0; i < n; i++) {
    for (p = (const unsigned char *)parts[i]; *p; p++)
      h = add_byte(h, *p);
    h = add_byte(h, UNIT_SEPARATOR);
  }
  for (i = 0; i < 8; i++) {
    unsigned hi = (unsigned)(h.hi >> (56 - 8 * i)) & 0xffu;
    unsigned lo = (unsigned)(h.lo >> (56 - 8 * i)) & 0xffu;

    hex[2 * i] = HEX_DIGITS[hi >> 4];
    hex[2 * i + 1] = HEX_DIGITS[hi & 0xfu];
    hex[16 + 2 * i] = HEX_DIGITS[lo >> 4];
    hex[16 + 2 * i + 1] = HEX_DIGITS[lo & 0xfu];
  }
  hex[SM_HASH_HEX_LEN] = '\0';
}

size_t sm_hash_decimal(int64_t v, char out[SM_DECIMAL_SIZE])
{
  char digits[SM_DECIMAL_SIZE];
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  size_t n = 0, len = 0;

  do {
    digits[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    out[len++] = '-';
  while (n)
    out[len++] = digits[--n];
  out[len] = '\0';
  return len;
}
