/* RandomX's entries in `powprint selftest`: the five official rx/0 vectors in light mode
 * (tevador/RandomX src/tests/tests.cpp, re-checked with Debian's librandomx 1.1.10; the
 * same lines as tests/vectors/randomx.txt), interpreted, and again with SuperscalarHash and
 * the programs compiled. Two cache fills each, about 2-3 s. */
#include "core/hex.h"
#include "kernels/randomx/vm.h"

#include <powprint/selftest.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int pp_rx_selftest(struct pp_selftest_result *r);
int pp_rx_selftest_jit(struct pp_selftest_result *r);

static int rx_vectors(struct pp_selftest_result *r, bool jit)
{
	/* key and input in hex (keys "test key 000" and "...001"); the first is rx/0's known
	 * answer in the algorithm list (config.h). */
	static const struct {
		const char *key, *input, *hash;
	} v[] = {
		{ PP_RX0_KAT_KEY, PP_RX0_KAT_INPUT, PP_RX0_KAT_HASH },
		{ "74657374206b657920303030",
		  "4c6f72656d20697073756d20646f6c6f722073697420616d6574",
		  "300a0adb47603dedb42228ccb2b211104f4da45af709cd7547cd049e9489c969" },
		{ "74657374206b657920303030",
		  "73656420646f20656975736d6f642074656d706f7220696e6369646964756e74207574206c61626f"
		  "726520657420646f6c6f7265206d61676e6120616c69717561",
		  "c36d4ed4191e617309867ed66a443be4075014e2b061bcdaf9ce7b721d2b77a8" },
		{ "74657374206b657920303031",
		  "73656420646f20656975736d6f642074656d706f7220696e6369646964756e74207574206c61626f"
		  "726520657420646f6c6f7265206d61676e6120616c69717561",
		  "e9ff4503201c0c2cca26d285c93ae883f9b1d30c9eb240b820756f2d5a7905fc" },
		{ "74657374206b657920303031",
		  "0b0b98bea7e805e0010a2126d287a2a0cc833d312cb786385a7c2f9de69d25537f584a9bc9977b00"
		  "000000666fd8753bf61a8631f12984e3fd44f4014eca629276817b56f32e9b68bd82f416",
		  "c56414121acda1713c2f2a819d8ae38aed7c80c35c2a769298d34f03833cd5f1" },
	};
	struct pp_rx_cache *cache = NULL;
	struct pp_rx_vm *vm = NULL;
	const char *key = NULL;
	int err = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]) && !err; i++) {
		if (!key || strcmp(key, v[i].key) != 0) {
			pp_rx_vm_free(vm);
			pp_rx_cache_free(cache);
			vm = NULL;
			key = v[i].key;
			uint8_t kb[PP_RX_KEY_MAX];
			long klen = pp_hex_decode(key, kb, sizeof(kb));
			err = klen < 0 ? -EINVAL
				       : pp_rx_cache_new(&pp_rx_config_rx0, kb, (size_t)klen,
							 PP_PAGES_AUTO, &cache);
			if (!err && jit)
				err = pp_rx_cache_set_jit(cache, true, false);
			if (!err)
				err = pp_rx_vm_new(&pp_rx_config_rx0, cache, NULL, PP_PAGES_AUTO, false,
						   &vm);
			if (!err && jit)
				err = pp_rx_vm_set_jit(vm, true, false);
			if (err)
				break;
		}
		uint8_t in[128], want[32], got[32];
		long len = pp_hex_decode(v[i].input, in, sizeof(in));
		if (len < 0) {
			err = -EINVAL;
			break;
		}
		pp_rx_vm_hash(vm, in, (size_t)len, got);
		pp_hex_decode(v[i].hash, want, sizeof(want));
		r->total++;
		if (memcmp(want, got, 32) == 0) {
			r->passed++;
		} else if (!r->detail[0]) {
			char hex[65];
			pp_hex_encode(got, 32, hex);
			snprintf(r->detail, sizeof(r->detail),
				 "rx/0 vector %zu (key %s, %s AES%s): expected %.16s..., got "
				 "%.16s...", i, key, pp_aes_backend_name(vm->aes), jit ? ", JIT" : "",
				 v[i].hash, hex);
		}
	}
	pp_rx_vm_free(vm);
	pp_rx_cache_free(cache);
	return err;
}

int pp_rx_selftest(struct pp_selftest_result *r)
{
	return rx_vectors(r, false);
}

int pp_rx_selftest_jit(struct pp_selftest_result *r)
{
	return rx_vectors(r, true);
}
