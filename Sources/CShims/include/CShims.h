#ifndef IMAPWORKER_CSHIMS_H
#define IMAPWORKER_CSHIMS_H
/*
 * Function wrappers for OpenSSL and zlib macros that Swift cannot import,
 * and for the C library calls that Swift's Glibc module does not declare.
 * The parameters are incomplete struct pointers (imported as OpaquePointer)
 * so that this module does not re-export the libraries' own declarations.
 */
struct ssl_ctx_st;
struct ssl_st;
struct z_stream_s;

int cshim_SSL_CTX_set_min_proto_version(struct ssl_ctx_st *ctx, int version);
int cshim_SSL_CTX_set_max_proto_version(struct ssl_ctx_st *ctx, int version);
int cshim_SSL_set_tlsext_host_name(struct ssl_st *ssl, const char *name);
long cshim_SSL_CTX_set_mode(struct ssl_ctx_st *ctx, long mode);
long cshim_SSL_CTX_set_options(struct ssl_ctx_st *ctx, long options);
/* SSL_OP_NO_RENEGOTIATION is built with a function-like macro. */
long cshim_SSL_OP_NO_RENEGOTIATION(void);
int cshim_deflateInit2(struct z_stream_s *strm, int level, int method, int windowBits, int memLevel, int strategy);
int cshim_inflateInit2(struct z_stream_s *strm, int windowBits);
/* glibc malloc_trim(0): gives the free memory of every arena back to the kernel; 0 elsewhere. */
int cshim_malloc_trim(void);
/* Names the calling thread for top -H, perf and gdb (Linux keeps 15 bytes: longer names are cut;
 * Foundation's Thread.name never reaches the kernel there). Returns 0 or an errno. */
int cshim_set_thread_name(const char *name);
#endif
