// DeflateCodec: COMPRESS=DEFLATE (RFC 4978) channel handlers over zlib
