/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_dhcp.c: libFuzzer target for the DHCP codec. Parses the input; when
 * it parses, runs the getters and client helpers, then rebuilds the options
 * (53, then the client's parameter request list) and checks that the result
 * parses and carries exactly the options that were written, byte for byte.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "fuzz.h"

static volatile size_t sink; /* keeps the getters' results alive */

static void
getters(const struct dhcp_msg *m)
{
	uint8_t key[64], u8;
	uint16_t u16;
	uint32_t u32;
	size_t n = 0;
	int c;

	for (c = 0; c < 256; c++) {
		if (dhcp_opt(&m->o, (uint8_t)c, &n))
			CHECK(dhcp_has(&m->o, (uint8_t)c));
		n += dhcp_opt_u8(&m->o, (uint8_t)c, &u8) + dhcp_opt_u16(&m->o, (uint8_t)c, &u16) +
		     dhcp_opt_u32(&m->o, (uint8_t)c, &u32) + dhcp_opt_ip(&m->o, (uint8_t)c, &u32);
	}
	CHECK(dhcp_client_key(m, key, sizeof(key)) <= sizeof(key));
	CHECK(dhcp_client_key(m, key, 16) <= 16);
	n += (size_t)dhcp_client_arch(&m->o) + dhcp_is_ipxe(&m->o) +
	     dhcp_vendor_class_is(&m->o, "PXEClient") + strlen(dhcp_type_name(m->type));
	sink = n;
}

/* Build m's options in order 53 + PRL, re-parse, compare. */
static void
round_trip(const struct dhcp_msg *m)
{
	static uint8_t order[1 + DHCP_OPTS_MAX], out[1500];
	static struct dhcp_msg r;
	struct dhcp_build_stats st;
	uint8_t asked[32] = {0};
	const uint8_t *prl, *a, *b;
	size_t nprl, na, nb, max = 0;
	unsigned distinct = 0, found = 0;
	uint16_t u16;
	int len, c;

	prl = dhcp_opt(&m->o, DHO_PRL, &nprl);
	order[0] = DHO_MSG_TYPE;
	if (nprl)
		memcpy(order + 1, prl, nprl);
	for (c = 0; c < (int)(1 + nprl); c++) {
		if (!dhcp_has(&m->o, order[c]) || order[c] == DHO_PAD || order[c] == DHO_END ||
		    (asked[order[c] >> 3] >> (order[c] & 7)) & 1)
			continue;
		asked[order[c] >> 3] |= (uint8_t)(1u << (order[c] & 7));
		distinct++;
	}

	len = dhcp_build(out, sizeof(out), 0, &m->h, &m->o, order, 1 + nprl, &st);
	CHECK(len >= DHCP_MIN_LEN && len <= (int)sizeof(out));
	CHECK(st.written + st.skipped == distinct);
	CHECK(dhcp_parse(out, (size_t)len, &r) == DHCP_OK);
	CHECK(r.type == m->type);
	CHECK(memcmp(&r.h, &m->h, sizeof(r.h)) == 0);
	for (c = 0; c < 256; c++) {
		if (!dhcp_has(&r.o, (uint8_t)c))
			continue;
		CHECK((asked[c >> 3] >> (c & 7)) & 1);
		a = dhcp_opt(&m->o, (uint8_t)c, &na);
		b = dhcp_opt(&r.o, (uint8_t)c, &nb);
		CHECK(na == nb && (na == 0 || memcmp(a, b, na) == 0));
		found++;
	}
	CHECK(found == st.written);

	/* The client's own size limit is never exceeded. */
	if (dhcp_opt_u16(&m->o, DHO_MAX_SIZE, &u16))
		max = u16;
	len = dhcp_build(out, sizeof(out), max, &m->h, &m->o, order, 1 + nprl, &st);
	if (max && max <= DHCP_HDR_LEN)
		CHECK(len == -ENOSPC);
	else
		CHECK(len > DHCP_HDR_LEN && (!max || (size_t)len <= max));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	static struct dhcp_opts sub;
	const uint8_t *v;
	size_t n;
	int err;

	/* Sub-option blobs (43, 82, 175, control-plane sets) use the TLV parser. */
	(void)dhcp_opts_from_tlv(&sub, data, size);
	err = dhcp_parse(data, size, &m);
	if (err) {
		CHECK(strcmp(dhcp_err_name(err), "unknown") != 0);
		return 0;
	}
	CHECK(m.type >= DHCPDISCOVER && m.type <= DHCPINFORM);
	getters(&m);
	if ((v = dhcp_opt(&m.o, DHO_IPXE, &n)))
		(void)dhcp_opts_from_tlv(&sub, v, n);
	round_trip(&m);
	return 0;
}
