/*
 * abi_layout.c - the plugin ABI pinned at compile time.
 *
 * Plugins are built apart from the host, so what they share must not move:
 * the descriptors (plugin.h), the host table (host.h), the option table
 * (options.h) and the numbers both sides compare.  Each _Static_assert
 * below states where a member is on an LP64 machine (x86-64, arm64) or
 * what a constant is.  A change that moves any of them fails the build
 * here, so an ABI change is always deliberate: append members as
 * plugin.h's "How the ABI grows" says, then add their lines here, or bump
 * TF_ABI_MAJOR and rewrite this file.
 *
 * Nothing here is compiled into code; the file only makes the compiler
 * check.
 */
#include <stddef.h>
#include <touchflow/plugin.h>

#define AT(type, member, offset)                                               \
  _Static_assert(offsetof(type, member) == (offset),                           \
                 #type "." #member " moved: the plugin ABI changed")
#define SIZE(type, size)                                                       \
  _Static_assert(sizeof(type) == (size),                                       \
                 "sizeof(" #type ") changed: the plugin ABI changed")
#define IS(constant, value)                                                    \
  _Static_assert((constant) == (value), #constant " changed: the ABI changed")

IS(TF_ABI_MAJOR, 2);

#if defined(__LP64__) || defined(_LP64)
AT(tf_plugin, abi_major, 0);
AT(tf_plugin, struct_size, 4);
AT(tf_plugin, kind, 8);
AT(tf_plugin, name, 16);
AT(tf_plugin, version, 24);
AT(tf_plugin, description, 32);
AT(tf_plugin, license, 40);
AT(tf_plugin, options, 48);
AT(tf_plugin, check, 56);
AT(tf_plugin, init, 64);
AT(tf_plugin, fini, 72);
SIZE(tf_plugin, 80);

AT(tf_source_plugin, base, 0);
AT(tf_source_plugin, produce, 80);
AT(tf_source_plugin, watermark, 88);
AT(tf_source_plugin, position, 96);
AT(tf_source_plugin, seek, 104);
AT(tf_source_plugin, stop, 112);
AT(tf_source_plugin, check_connection, 120); /* appended after 2.0 */
AT(tf_source_plugin, flags, 128);            /* appended after 2.0 */
SIZE(tf_source_plugin, 136);

AT(tf_transform_plugin, base, 0);
AT(tf_transform_plugin, process, 80);
AT(tf_transform_plugin, advance, 88);
AT(tf_transform_plugin, flush, 96);
AT(tf_transform_plugin, snapshot, 104);
AT(tf_transform_plugin, restore, 112);
SIZE(tf_transform_plugin, 120);

AT(tf_sink_plugin, base, 0);
AT(tf_sink_plugin, write, 80);
AT(tf_sink_plugin, flush, 88);
AT(tf_sink_plugin, snapshot, 96);
AT(tf_sink_plugin, restore, 104);
AT(tf_sink_plugin, advance, 112);          /* appended after 2.0 */
AT(tf_sink_plugin, check_connection, 120); /* appended after 2.0 */
SIZE(tf_sink_plugin, 128);
IS(TF_SINK_PLUGIN_SIZE_2_0, 112);

AT(tf_host, size, 0);
AT(tf_host, log, 8);
AT(tf_host, reject, 16);
AT(tf_host, metric, 24);
AT(tf_host, emit, 32);
AT(tf_host, stage_id, 40);
AT(tf_host, watermark, 48);
SIZE(tf_host, 56);

AT(tf_option, name, 0);
AT(tf_option, type, 8);
AT(tf_option, default_value, 16);
AT(tf_option, flags, 24);
AT(tf_option, min, 32);
AT(tf_option, max, 40);
AT(tf_option, allowed, 48);
AT(tf_option, description, 56);
SIZE(tf_option, 64);

AT(tf_origin, file, 0);
AT(tf_origin, line, 8);
SIZE(tf_origin, 16);
#endif

SIZE(tf_plugin_kind, sizeof(int));
IS(TF_KIND_SOURCE, 1);
IS(TF_KIND_TRANSFORM, 2);
IS(TF_KIND_SINK, 3);
IS(TF_MORE, 0);
IS(TF_DONE, 1);
IS(TF_FLUSH_AGAIN, 2);
IS(TF_SINK_OK, 0);
IS(TF_SINK_RETRY, 1);
IS(TF_SINK_ERROR, 2);
IS(TF_WATERMARK_UNKNOWN, INT64_MIN);
IS(TF_WATERMARK_END, INT64_MAX);
IS(TF_OPT_STRING, 1);
IS(TF_OPT_OBJECT, 9);
IS(TF_OPT_REQUIRED, 0x1u);
IS(TF_SOURCE_OWN_THREAD, 0x1u);
IS(TF_OPT_SECRET, 0x2u);
IS(TF_OPT_RANGE, 0x4u);
IS(TF_OPT_PATH, 0x8u);
IS(TF_OPT_OBJECTS, 0x10u);
IS(TF_OPT_READ_AT_END, 0x20u);
IS(TF_LOG_ERROR, 0);
IS(TF_LOG_DEBUG, 3);
IS(TF_OK, 0);
IS(TF_ERR_NOMEM, -1);
IS(TF_ERR_CONFIG, -5);
IS(TF_ERR_ABI, -7);
IS(TF_ERR_UNSUPPORTED, -8);
IS(TF_ERR_RANGE, -12);
