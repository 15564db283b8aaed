/* Little-endian loads and stores, the byte order of NTLM (MS-NLMP 2.2) and of the
 * encrypted-message framing (MS-WSMV 2.2.9.1.1), whatever the host's own order. */
#ifndef NANOSH_BYTES_H
#define NANOSH_BYTES_H
#include <stdint.h>

static inline uint16_t ws_load_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ws_load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ws_load_le64(const unsigned char *p)
{
    return (uint64_t)ws_load_le32(p) | (uint64_t)ws_load_le32(p + 4) << 32;
}

static inline void ws_store_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void ws_store_le32(unsigned char *p, uint32_t v)
{
    ws_store_le16(p, (uint16_t)v);
    ws_store_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void ws_store_le64(unsigned char *p, uint64_t v)
{
    ws_store_le32(p, (uint32_t)v);
    ws_store_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
