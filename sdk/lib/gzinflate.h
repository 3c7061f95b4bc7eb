/*
 * gzinflate.h - streaming gzip decompression of a file for the line
 * reader (linereader.c), with ISA-L's inflate (igzip).
 *
 * Internal to the SDK (not installed).  ISA-L inflates about 1.7 times as
 * fast as zlib on this kind of data (bench/inflate_bench.c,
 * bench/README.md); zlib stays for writing gzip.
 *
 * The stream is one or more gzip members one after the other (the gzip
 * sink writes one member per checkpoint; `cat a.gz b.gz` makes such a
 * file too); their data reads as one.  Every member's CRC-32 and length
 * are checked.  What follows the last member must be another member: other
 * bytes there (zeros left by a crash, say) are an error naming their
 * offset, not silently ignored.
 *
 * Errors are codes (touchflow/error.h) with a message from
 * tf__gzin_error, which names the byte offset in the file where the
 * problem was found (not the file: the caller knows it).
 */
#ifndef TF_GZINFLATE_H
#define TF_GZINFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf__gzin tf__gzin;

/* Starts reading the gzip file open on fd at its current offset (which
 * must be 0).  On TF_OK *out owns fd (tf__gzin_close closes it); on an
 * error (TF_ERR_NOMEM) fd is left open and *out is NULL. */
int tf__gzin_open(tf__gzin **out, int fd);

/* Decompresses up to cap bytes into buf; *got says how many.  Returns
 *   TF_OK             *got > 0;
 *   TF_LINE_EOF       the last member ended where the file ends (*got 0);
 *   TF_ERR_TRUNCATED  the file ends inside a member (its data, its CRC or
 *                     length trailer, or its header);
 *   TF_ERR_IO         reading failed, or the data is not valid gzip
 *                     (a bad deflate block, a CRC or length that does not
 *                     match, bytes after a member that are not one).
 * After an error every later call returns the same error. */
int tf__gzin_read(tf__gzin *z, unsigned char *buf, size_t cap, size_t *got);

/* Goes to byte `offset` of the decompressed data: decompresses and
 * discards up to there (from the start again when offset is behind).
 * TF_OK, TF_ERR_TRUNCATED (the data is shorter than offset, or is cut
 * before it), or an error of tf__gzin_read. */
int tf__gzin_seek(tf__gzin *z, uint64_t offset);

/* Bytes of decompressed data handed out (or skipped) so far. */
uint64_t tf__gzin_tell(const tf__gzin *z);

/* Why the last call failed: "gzip data ends early at byte N", "corrupt
 * gzip data found at byte N: ..."; "" when it did not. */
const char *tf__gzin_error(const tf__gzin *z);

/* Closes the file and frees z.  NULL is allowed. */
void tf__gzin_close(tf__gzin *z);

#endif
