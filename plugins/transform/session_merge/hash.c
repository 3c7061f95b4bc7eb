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

/* Each byte's two lowercase hex digits, at 2 * byte. */
static const char HEX_PAIRS[2 * 256 + 1] = "000102030405060708090a0b0c0d0e0f"
                                           "101112131415161718191a1b1c1d1e1f"
                                           "202122232425262728292a2b2c2d2e2f"
                                           "303132333435363738393a3b3c3d3e3f"
                                           "404142434445464748494a4b4c4d4e4f"
                                           "505152535455565758595a5b5c5d5e5f"
                                           "606162636465666768696a6b6c6d6e6f"
                                           "707172737475767778797a7b7c7d7e7f"
                                           "808182838485868788898a8b8c8d8e8f"
                                           "909192939495969798999a9b9c9d9e9f"
                                           "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
                                           "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                           "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
                                           "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                           "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
                                           "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* Each number below 100 as two decimal digits, at 2 * number. */
static const char DECIMAL_PAIRS[2 * 100 + 1] = "00010203040506070809"
                                               "10111213141516171819"
                                               "20212223242526272829"
                                               "30313233343536373839"
                                               "40414243444546474849"
                                               "50515253545556575859"
                                               "60616263646566676869"
                                               "70717273747576777879"
                                               "80818283848586878889"
                                               "90919293949596979899";

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
    memcpy(hex + 2 * i, HEX_PAIRS + 2 * ((h.hi >> (56 - 8 * i)) & 0xffu), 2);
    memcpy(hex + 16 + 2 * i, HEX_PAIRS + 2 * ((h.lo >> (56 - 8 * i)) & 0xffu),
           2);
  }
  hex[SM_HASH_HEX_LEN] = '\0';
}

size_t sm_hash_decimal(int64_t v, char out[SM_DECIMAL_SIZE])
{
  char digits[SM_DECIMAL_SIZE];
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  size_t n = sizeof(digits), len = 0;

  /* Two digits a division, written from the end of digits. */
  while (u >= 100) {
    n -= 2;
    memcpy(digits + n, DECIMAL_PAIRS + 2 * (u % 100), 2);
    u /= 100;
  }
  if (u >= 10) {
    n -= 2;
    memcpy(digits + n, DECIMAL_PAIRS + 2 * u, 2);
  } else {
    digits[--n] = (char)('0' + u);
  }
  if (v < 0)
    out[len++] = '-';
  memcpy(out + len, digits + n, sizeof(digits) - n);
  len += sizeof(digits) - n;
  out[len] = '\0';
  return len;
}
