/* Argon2d memory fill and finalizer, written from RFC 9106 (sections 3.2-3.6) on top of
 * pp_blake2b. Portable C; the cache fill runs once per RandomX key. */
#include "kernels/randomx/argon2d.h"

#include "kernels/crypto/blake2b.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QWORDS (PP_ARGON2_BLOCK_SIZE / 8)
#define SYNC_POINTS 4

struct block {
	uint64_t v[QWORDS];
};

static void store32_le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void update32(struct pp_blake2b *s, uint32_t v)
{
	uint8_t b[4];
	store32_le(b, v);
	pp_blake2b_update(s, b, 4);
}

/* H' (RFC 9106 3.3): variable-length hash built from BLAKE2b-512 chains. */
static void hash_long(void *out, uint32_t outlen, const void *in, size_t inlen)
{
	struct pp_blake2b s;
	uint8_t *o = out;
	if (outlen <= PP_BLAKE2B_OUTBYTES) {
		pp_blake2b_init(&s, outlen, NULL, 0);
		update32(&s, outlen);
		pp_blake2b_update(&s, in, inlen);
		pp_blake2b_final(&s, o);
		return;
	}
	uint8_t v[PP_BLAKE2B_OUTBYTES];
	pp_blake2b_init(&s, PP_BLAKE2B_OUTBYTES, NULL, 0);
	update32(&s, outlen);
	pp_blake2b_update(&s, in, inlen);
	pp_blake2b_final(&s, v);
	memcpy(o, v, 32);
	o += 32;
	uint32_t left = outlen - 32;
	while (left > PP_BLAKE2B_OUTBYTES) {
		pp_blake2b(v, PP_BLAKE2B_OUTBYTES, v, PP_BLAKE2B_OUTBYTES, NULL, 0);
		memcpy(o, v, 32);
		o += 32;
		left -= 32;
	}
	pp_blake2b(v, left, v, PP_BLAKE2B_OUTBYTES, NULL, 0);
	memcpy(o, v, left);
}

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

/* BlaMka: BLAKE2b's G with the additions hardened by 2 * lo32(x) * lo32(y). */
static inline uint64_t fblamka(uint64_t x, uint64_t y)
{
	return x + y + 2 * (uint64_t)(uint32_t)x * (uint32_t)y;
}

#define GB(a, b, c, d)                       \
	do {                                 \
		a = fblamka(a, b);           \
		d = rotr64(d ^ a, 32);       \
		c = fblamka(c, d);           \
		b = rotr64(b ^ c, 24);       \
		a = fblamka(a, b);           \
		d = rotr64(d ^ a, 16);       \
		c = fblamka(c, d);           \
		b = rotr64(b ^ c, 63);       \
	} while (0)

/* The permutation P on sixteen words given by their indices into v. */
#define PERM(v, i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15) \
	do {                                                                          \
		GB(v[i0], v[i4], v[i8], v[i12]);                                      \
		GB(v[i1], v[i5], v[i9], v[i13]);                                      \
		GB(v[i2], v[i6], v[i10], v[i14]);                                     \
		GB(v[i3], v[i7], v[i11], v[i15]);                                     \
		GB(v[i0], v[i5], v[i10], v[i15]);                                     \
		GB(v[i1], v[i6], v[i11], v[i12]);                                     \
		GB(v[i2], v[i7], v[i8], v[i13]);                                      \
		GB(v[i3], v[i4], v[i9], v[i14]);                                      \
	} while (0)

/* The compression G (RFC 9106 3.5): next = P_cols(P_rows(prev ^ ref)) ^ (prev ^ ref), xored
 * into next's old value from the second pass on. */
static void fill_block(const struct block *prev, const struct block *ref, struct block *next,
		       int with_xor)
{
	uint64_t r[QWORDS], t[QWORDS];
	for (int i = 0; i < QWORDS; i++)
		r[i] = t[i] = prev->v[i] ^ ref->v[i];
	if (with_xor)
		for (int i = 0; i < QWORDS; i++)
			t[i] ^= next->v[i];
	/* Rows: eight 128-byte rows of 16 consecutive words. */
	for (int i = 0; i < 8; i++) {
		uint64_t *q = r + 16 * i;
		PERM(q, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	}
	/* Columns: column i takes word pairs 2i, 2i+1 of every row. */
	for (int i = 0; i < 8; i++) {
		uint64_t *q = r + 2 * i;
		PERM(q, 0, 1, 16, 17, 32, 33, 48, 49, 64, 65, 80, 81, 96, 97, 112, 113);
	}
	for (int i = 0; i < QWORDS; i++)
		next->v[i] = t[i] ^ r[i];
}

static int check_params(const struct pp_argon2d_params *p)
{
	if (!p || p->t_cost < 1 || p->lanes < 1 || p->lanes > 0xffffff ||
	    p->m_cost < 8 * p->lanes || (p->pwdlen && !p->pwd) || (p->saltlen && !p->salt) ||
	    (p->secretlen && !p->secret) || (p->adlen && !p->ad))
		return -EINVAL;
	return 0;
}

size_t pp_argon2d_memory_size(const struct pp_argon2d_params *p)
{
	if (check_params(p))
		return 0;
	uint32_t blocks = p->m_cost / (SYNC_POINTS * p->lanes) * (SYNC_POINTS * p->lanes);
	return (size_t)blocks * PP_ARGON2_BLOCK_SIZE;
}

static void initial_hash(const struct pp_argon2d_params *p, uint8_t h0[PP_BLAKE2B_OUTBYTES])
{
	struct pp_blake2b s;
	pp_blake2b_init(&s, PP_BLAKE2B_OUTBYTES, NULL, 0);
	update32(&s, p->lanes);
	update32(&s, p->outlen);
	update32(&s, p->m_cost);
	update32(&s, p->t_cost);
	update32(&s, PP_ARGON2_VERSION);
	update32(&s, 0); /* type: Argon2d */
	update32(&s, (uint32_t)p->pwdlen);
	pp_blake2b_update(&s, p->pwd, p->pwdlen);
	update32(&s, (uint32_t)p->saltlen);
	pp_blake2b_update(&s, p->salt, p->saltlen);
	update32(&s, (uint32_t)p->secretlen);
	pp_blake2b_update(&s, p->secret, p->secretlen);
	update32(&s, (uint32_t)p->adlen);
	pp_blake2b_update(&s, p->ad, p->adlen);
	pp_blake2b_final(&s, h0);
}

static void load_block(struct block *b, const uint8_t bytes[PP_ARGON2_BLOCK_SIZE])
{
	for (int i = 0; i < QWORDS; i++) {
		uint64_t v = 0;
		for (int j = 7; j >= 0; j--)
			v = (v << 8) | bytes[8 * i + j];
		b->v[i] = v;
	}
}

int pp_argon2d_fill(const struct pp_argon2d_params *p, void *memory, size_t size)
{
	size_t need = pp_argon2d_memory_size(p);
	if (!need || !memory || size < need || ((uintptr_t)memory & 7))
		return -EINVAL;
	struct block *mem = memory;
	const uint32_t lanes = p->lanes;
	const uint32_t lane_len = (uint32_t)(need / PP_ARGON2_BLOCK_SIZE / lanes);
	const uint32_t seg_len = lane_len / SYNC_POINTS;

	/* First two blocks of each lane from H0 (RFC 9106 3.2 steps 3-4). */
	uint8_t seed[PP_BLAKE2B_OUTBYTES + 8], bytes[PP_ARGON2_BLOCK_SIZE];
	initial_hash(p, seed);
	for (uint32_t l = 0; l < lanes; l++) {
		for (uint32_t j = 0; j < 2; j++) {
			store32_le(seed + PP_BLAKE2B_OUTBYTES, j);
			store32_le(seed + PP_BLAKE2B_OUTBYTES + 4, l);
			hash_long(bytes, PP_ARGON2_BLOCK_SIZE, seed, sizeof(seed));
			load_block(&mem[(size_t)l * lane_len + j], bytes);
		}
	}

	for (uint32_t pass = 0; pass < p->t_cost; pass++) {
		for (uint32_t slice = 0; slice < SYNC_POINTS; slice++) {
			/* Within a slice, lanes only reference finished slices of other lanes, so
			 * filling them one after another equals filling them in parallel. */
			for (uint32_t lane = 0; lane < lanes; lane++) {
				uint32_t start = (pass == 0 && slice == 0) ? 2 : 0;
				size_t base = (size_t)lane * lane_len;
				for (uint32_t idx = start; idx < seg_len; idx++) {
					uint32_t cur = slice * seg_len + idx; /* index in the lane */
					uint32_t prev = cur ? cur - 1 : lane_len - 1;
					uint64_t rnd = mem[base + prev].v[0];
					uint32_t j1 = (uint32_t)rnd, j2 = (uint32_t)(rnd >> 32);
					uint32_t ref_lane = (pass == 0 && slice == 0) ? lane : j2 % lanes;
					int same = ref_lane == lane;
					/* Blocks this one may reference (3.4.1.1): finished slices, plus
					 * the current segment's earlier blocks when in the same lane,
					 * never the previous block. */
					uint64_t area;
					if (pass == 0)
						area = (uint64_t)slice * seg_len;
					else
						area = (uint64_t)lane_len - seg_len;
					if (same)
						area = area + idx - 1;
					else if (idx == 0)
						area -= 1;
					uint64_t x = ((uint64_t)j1 * j1) >> 32;
					uint64_t y = (area * x) >> 32;
					uint64_t rel = area - 1 - y;
					uint64_t startpos = 0;
					if (pass != 0 && slice != SYNC_POINTS - 1)
						startpos = (uint64_t)(slice + 1) * seg_len;
					uint32_t ref_idx = (uint32_t)((startpos + rel) % lane_len);
					fill_block(&mem[base + prev],
						   &mem[(size_t)ref_lane * lane_len + ref_idx],
						   &mem[base + cur], pass != 0);
				}
			}
		}
	}
	return 0;
}

int pp_argon2d_hash(const struct pp_argon2d_params *p, void *tag)
{
	int rc = check_params(p);
	if (rc)
		return rc;
	if (!tag || p->outlen < 4)
		return -EINVAL;
	size_t size = pp_argon2d_memory_size(p);
	struct block *mem = aligned_alloc(64, size);
	if (!mem)
		return -ENOMEM;
	rc = pp_argon2d_fill(p, mem, size);
	if (rc == 0) {
		/* Finalizer (3.2 steps 7-8): xor of each lane's last block, then H'. */
		uint32_t lane_len = (uint32_t)(size / PP_ARGON2_BLOCK_SIZE / p->lanes);
		struct block c = mem[lane_len - 1];
		for (uint32_t l = 1; l < p->lanes; l++)
			for (int i = 0; i < QWORDS; i++)
				c.v[i] ^= mem[(size_t)l * lane_len + lane_len - 1].v[i];
		uint8_t bytes[PP_ARGON2_BLOCK_SIZE];
		for (int i = 0; i < QWORDS; i++)
			for (int j = 0; j < 8; j++)
				bytes[8 * i + j] = (uint8_t)(c.v[i] >> (8 * j));
		hash_long(tag, p->outlen, bytes, sizeof(bytes));
	}
	free(mem);
	return rc;
}
