/*
 * touchflow/linereader.h - line-by-line reading and writing of plain or
 * gzip files.
 *
 * tf_line_reader hands out the lines of a file one at a time, of any length,
 * without their line end ("\n" or "\r\n"), each with its 1-based number.  A
 * UTF-8 byte order mark at the start of the file is dropped.  A line longer
 * than the reader's limit is reported as TF_ERR_TOOLONG with its first bytes,
 * and reading goes on with the next line.  A gzip file that ends before its
 * end marker (a copy cut short) is reported as TF_ERR_TRUNCATED after every
 * complete line before the cut has been delivered.  A gzip file may hold
 * several members one after the other (as `cat a.gz b.gz` makes): their
 * data reads as one; bytes after the last member that do not start another
 * (zeros left by a crash, say) are an error (TF_ERR_IO), not ignored.
 *
 * tf_line_writer writes bytes and lines to a plain or gzip file.  A plain
 * file is written through a 1 MiB buffer; once a first buffer is full, a
 * thread of the writer's own writes the full buffers while the caller
 * fills the next (so a large output costs the caller's thread no system
 * call); a small file never starts it.
 *
 * Errors are the codes of error.h; nothing here prints or exits.  A reader
 * or writer is used by one thread at a time.
 */
#ifndef TOUCHFLOW_LINEREADER_H
#define TOUCHFLOW_LINEREADER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a file is compressed.  AUTO: gzip when the name ends in ".gz". */
typedef enum tf_compression {
  TF_COMPRESSION_AUTO = 0,
  TF_COMPRESSION_NONE = 1,
  TF_COMPRESSION_GZIP = 2
} tf_compression;

/* Returned by tf_line_reader_next() when the file has no more lines. */
#define TF_LINE_EOF 1

/* The compression to use for `path`: `comp` itself unless it is AUTO, then
 * GZIP for a name ending in ".gz" and NONE otherwise. */
tf_compression tf_compression_for_path(const char *path, tf_compression comp);

/* Parses "auto", "none" or "gzip" into *comp.  TF_OK or TF_ERR_INVAL. */
int tf_compression_parse(const char *text, tf_compression *comp);

/* --- Reading ---------------------------------------------------------- */

typedef struct tf_line_reader tf_line_reader;

/* One line, borrowed from the reader: valid until the next call on it. */
typedef struct tf_line {
  const char *text; /* the line without its line end; NUL-terminated (the
                       line itself may hold NUL bytes: use len) */
  size_t len;       /* bytes in text */
  long number;      /* 1-based line number in the file */
  const char *eol;  /* the line end that was removed: "\n", "\r\n", or ""
                       for a last line without one */
} tf_line;

/* Opens `path` for reading.  comp GZIP: the file must be gzip; AUTO: gzip
 * when the name ends in ".gz" (then the file must be gzip) or the file
 * starts with the gzip magic bytes 1f 8b, else plain; NONE: plain.
 * max_line_length is the longest line accepted, in bytes without the line
 * end; 0 means no limit.  On success stores a new reader in *out (free it
 * with tf_line_reader_close) and returns TF_OK; otherwise stores NULL and
 * returns TF_ERR_NOTFOUND (no such file), TF_ERR_IO (the open or the first
 * read failed), TF_ERR_PARSE (the file must be gzip and is not),
 * TF_ERR_NOMEM or TF_ERR_INVAL (a NULL argument). */
int tf_line_reader_open(tf_line_reader **out, const char *path,
                        tf_compression comp, size_t max_line_length);

/* tf_line_reader_open that also says why it failed: when why is not NULL,
 * stores in it (whylen bytes at most) a sentence without the path, such as
 * "cannot open: Too many open files: ..." (strerror of the open, with what
 * to do for EMFILE and ENFILE) or "not gzip: the first bytes are ...";
 * an empty string on success. */
int tf_line_reader_open_why(tf_line_reader **out, const char *path,
                            tf_compression comp, size_t max_line_length,
                            char *why, size_t whylen);

/* Reads the next line into *line and returns:
 *   TF_OK             *line is the next line.
 *   TF_LINE_EOF       no more lines (every later call returns it too).
 *   TF_ERR_TOOLONG    the line was longer than max_line_length: *line holds
 *                     its first max_line_length bytes and its number; the
 *                     rest was skipped and the next call reads the next line.
 *   TF_ERR_TRUNCATED  a gzip stream ended early: every complete line before
 *                     the cut has been returned; an incomplete last line is
 *                     dropped.  Later calls return TF_LINE_EOF.
 *   TF_ERR_IO         a read failed or the gzip data is corrupt (the
 *                     message gives the byte offset in the file where the
 *                     damage was found; for a wrong CRC-32, the member's
 *                     end).  The data inflated before it has been returned.
 *   TF_ERR_NOMEM      a line did not fit in memory.
 * After an error, tf_line_reader_error() says what happened, naming the
 * file. */
int tf_line_reader_next(tf_line_reader *reader, tf_line *line);

/* A one-line description of the last error ("data/x.gz: gzip data ends
 * early (truncated file)"), or "" when there was none.  Borrowed from the
 * reader; valid until the next call on it. */
const char *tf_line_reader_error(const tf_line_reader *reader);

/* The path the reader was opened with, borrowed. */
const char *tf_line_reader_path(const tf_line_reader *reader);

/* The number of the last line read (0 before the first). */
long tf_line_reader_line_number(const tf_line_reader *reader);

/* The byte offset, in the file's data (decompressed, for gzip), just
 * after the last line read, its line end included (0 before the first;
 * 3 after a first line that followed a UTF-8 byte order mark).  Reading
 * again from there with tf_line_reader_seek gives the lines that
 * followed. */
uint64_t tf_line_reader_offset(const tf_line_reader *reader);

/* Goes to a byte offset that tf_line_reader_offset gave (the start of a
 * line) and numbers the lines that follow from line_number + 1.  Plain
 * files seek; gzip data is decompressed up to offset.  TF_OK, or
 * TF_ERR_TRUNCATED (gzip data shorter than offset), TF_ERR_IO (the seek
 * failed; tf_line_reader_error says why), TF_ERR_INVAL. */
int tf_line_reader_seek(tf_line_reader *reader, uint64_t offset,
                        long line_number);

/* Closes the file and frees the reader.  NULL-safe. */
void tf_line_reader_close(tf_line_reader *reader);

/* --- Writing ---------------------------------------------------------- */

typedef struct tf_line_writer tf_line_writer;

/* Creates (or truncates) `path` for writing, gzip when comp resolves to
 * GZIP (see tf_compression_for_path).  On success stores a new writer in
 * *out and returns TF_OK; otherwise stores NULL and returns TF_ERR_IO (errno
 * tells why), TF_ERR_NOMEM or TF_ERR_INVAL. */
int tf_line_writer_open(tf_line_writer **out, const char *path,
                        tf_compression comp);

/* Like tf_line_writer_open() on an open file descriptor, which the writer
 * takes over (tf_line_writer_close closes it, also when this call fails).
 * `name` is used for AUTO compression and copied. */
int tf_line_writer_fdopen(tf_line_writer **out, int fd, const char *name,
                          tf_compression comp);

/* Writes len bytes as they are.  TF_OK or TF_ERR_IO (errno set), which
 * may be the failure of an earlier write of a buffer the writer's thread
 * made. */
int tf_line_writer_write(tf_line_writer *writer, const char *bytes, size_t len);

/* Writes len bytes followed by "\n".  TF_OK or TF_ERR_IO. */
int tf_line_writer_line(tf_line_writer *writer, const char *bytes, size_t len);

/* Flushes buffered data, closes the file and frees the writer, always.
 * Returns TF_OK, or TF_ERR_IO when the last data could not be written (a
 * full disk shows up here at the latest).  NULL-safe (TF_OK). */
int tf_line_writer_close(tf_line_writer *writer);

#ifdef __cplusplus
}
#endif
#endif
