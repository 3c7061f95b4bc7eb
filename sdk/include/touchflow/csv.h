/*
 * touchflow/csv.h - an RFC 4180 CSV reader and writer.
 *
 * The reader sits on a tf_line_reader (so it reads plain or gzip files,
 * drops a byte order mark and accepts "\n" and "\r\n") and yields rows of
 * fields: quoted fields, doubled quotes ("" inside quotes is one "), line
 * ends inside quotes (a row may span lines; it carries the number of the
 * line it starts on) and any one-byte delimiter.  The first row is the
 * header.  A bad row (wrong number of columns, a stray quote, an unclosed
 * quote at the end of the file, too long) is returned as an error for that
 * row alone, with its text, so that the caller can dead-letter it and read
 * on.  A row too long is read on, keeping nothing more, to its real end
 * (the first line end outside quotes), so that no line inside one of its
 * quoted fields is ever taken for a row; its text is cut at the limit.  (A
 * single line longer than the line reader's own limit loses its tail
 * there: quotes in that tail cannot be seen.)
 *
 * The writer quotes a field only when it must (it holds the delimiter, a
 * quote, CR or LF) and doubles the quotes inside.
 *
 * Errors are the codes of error.h; nothing here prints or exits.
 */
#ifndef TOUCHFLOW_CSV_H
#define TOUCHFLOW_CSV_H

#include <stddef.h>
#include <jansson.h>
#include "linereader.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by tf_csv_reader_next() when the file has no more rows. */
#define TF_CSV_EOF 1

/* What was wrong with a row (tf_csv_reader_row_error). */
typedef enum tf_csv_error {
  TF_CSV_OK = 0,
  TF_CSV_COLUMN_COUNT,       /* not as many fields as the header */
  TF_CSV_UNTERMINATED_QUOTE, /* a quoted field still open at end of file */
  TF_CSV_STRAY_QUOTE,        /* a quote inside an unquoted field, or text
                                after a closing quote */
  TF_CSV_TOO_LONG,           /* the row is longer than the limit */
  TF_CSV_NUL_BYTE            /* the row holds a NUL byte */
} tf_csv_error;

/* The reason code for dead-letter records: "csv_column_count",
 * "csv_unterminated_quote", "csv_stray_quote", "line_too_long",
 * "nul_byte"; "" for TF_CSV_OK.  Static. */
const char *tf_csv_error_code(tf_csv_error err);

/* One row, borrowed from the reader: valid until the next call on it
 * (except the header, see tf_csv_reader_header). */
typedef struct tf_csv_row {
  size_t count;              /* number of fields */
  const char *const *fields; /* field values, unquoted, NUL-terminated */
  const size_t *lengths;     /* their lengths (a field may hold NUL) */
  long line;                 /* 1-based line the row starts on */
  const char *raw;           /* the row's text as read, line ends inside
                                it kept, NUL-terminated; for dead-letters */
  size_t raw_len;
} tf_csv_row;

typedef struct tf_csv_reader tf_csv_reader;

/* A CSV reader over `lines`, which it takes over (tf_csv_reader_close
 * closes it, also when this call fails).  The reader reads the header row
 * now.  max_row_length caps a row's text in bytes (0: no limit); a row that
 * spans lines counts its line ends.  On success stores the reader in *out
 * and returns TF_OK.  Otherwise stores NULL and returns TF_ERR_INVAL (a
 * NULL argument, or the delimiter is '"', '\r' or '\n'), TF_ERR_NOMEM,
 * TF_ERR_PARSE (the file is empty, its header row is malformed or names a
 * column twice: tf_csv_reader_error() says which) or an
 * error of tf_line_reader_next(). */
int tf_csv_reader_new(tf_csv_reader **out, tf_line_reader *lines,
                      char delimiter, size_t max_row_length);

/* tf_csv_reader_new that also says, when it fails, why in err (one line
 * naming the file and line: "x.csv:1: the header names column \"email\"
 * twice (columns 2 and 4): ..."), since no reader is left to ask. */
int tf_csv_reader_open(tf_csv_reader **out, tf_line_reader *lines,
                       char delimiter, size_t max_row_length, char *err,
                       size_t errlen);

/* The header row; borrowed, valid until tf_csv_reader_close. */
const tf_csv_row *tf_csv_reader_header(const tf_csv_reader *reader);

/* Reads the next row after the header into *row and returns:
 *   TF_OK           *row is a good row with as many fields as the header.
 *   TF_CSV_EOF      no more rows.
 *   TF_ERR_PARSE    the row is malformed (tf_csv_reader_row_error says
 *                   how); row->line and row->raw describe it (fields are
 *                   unusable).  The next call reads the following row.
 *   TF_ERR_TOOLONG  the row is longer than max_row_length; row->raw holds
 *                   its first bytes.  Reading goes on at the next line.
 *   TF_ERR_TRUNCATED, TF_ERR_IO, TF_ERR_NOMEM  from the line reader: the
 *                   file cannot be read further.
 * Blank lines between rows are skipped.  tf_csv_reader_error() describes
 * any error with the file and line. */
int tf_csv_reader_next(tf_csv_reader *reader, tf_csv_row *row);

/* Why the last row was refused (TF_CSV_OK after a good row). */
tf_csv_error tf_csv_reader_row_error(const tf_csv_reader *reader);

/* A one-line description of the last error, naming the file and line;
 * "" when there was none.  Borrowed; valid until the next call. */
const char *tf_csv_reader_error(const tf_csv_reader *reader);

/* What was wrong with the last refused row, without the file and line
 * (for a dead-letter message, whose "input" already names them); "" after
 * a good row.  Borrowed; valid until the next call. */
const char *tf_csv_reader_row_message(const tf_csv_reader *reader);

/* The number of the last line the reader consumed. */
long tf_csv_reader_line_number(const tf_csv_reader *reader);

/* Closes the line reader and frees the reader.  NULL-safe. */
void tf_csv_reader_close(tf_csv_reader *reader);

/* Flag for tf_csv_row_to_json: an empty field becomes null instead of "". */
#define TF_CSV_EMPTY_AS_NULL 0x1u

/* Builds a JSON object from `row` with the fields of `header` as keys, in
 * header order (a repeated header name keeps its last value).  Values are
 * strings (or null, see the flag).  On success stores a new object the
 * caller owns in *out and returns TF_OK; otherwise stores NULL and returns
 * TF_ERR_INVAL (the field counts differ, or a NULL argument), TF_ERR_PARSE
 * (a key or value is not valid UTF-8) or TF_ERR_NOMEM. */
int tf_csv_row_to_json(const tf_csv_row *header, const tf_csv_row *row,
                       unsigned flags, json_t **out);

/* Writes one row of `count` fields and a "\n" to `writer` (borrowed).
 * fields[i] has lengths[i] bytes; lengths may be NULL for NUL-terminated
 * fields; a NULL field is written empty.  A field is quoted when it holds
 * the delimiter, '"', '\r' or '\n'; quotes inside are doubled.  Returns
 * TF_OK, TF_ERR_INVAL or TF_ERR_IO. */
int tf_csv_write_row(tf_line_writer *writer, char delimiter, size_t count,
                     const char *const *fields, const size_t *lengths);

#ifdef __cplusplus
}
#endif
#endif
