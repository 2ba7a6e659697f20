# SPDX-License-Identifier: ISC
# Test PKI for the NTS suites (sourced, not a suite): a CA and server
# certificates made with openssl, EC P-256 as the peers' own tests use.
# Errors go to DIR/openssl.log.

# pki_ca DIR: DIR/ca.pem and DIR/ca.key.
pki_ca() {
	local d=$1
	mkdir -p "$d"
	printf '%s\n' "[req]" "distinguished_name = dn" "prompt = no" \
		"[dn]" "CN = Stratum test CA $(basename "$d")" "[v3_ca]" \
		"basicConstraints = critical,CA:TRUE" \
		"keyUsage = critical,keyCertSign,cRLSign" >"$d/ca.cnf"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		-config "$d/ca.cnf" -extensions v3_ca 2>>"$d/openssl.log" &&
		chmod 600 "$d/ca.key"
}

# pki_cert DIR NAME SAN [expired]: DIR/NAME.pem and DIR/NAME.key, signed
# by DIR's CA, for the subjectAltName SAN ("DNS:nts.test,IP:127.0.0.1");
# with "expired", valid only on 1-2 January 2020.
pki_cert() {
	local d=$1 n=$2 san=$3
	printf '%s\n' "[req]" "distinguished_name = dn" "prompt = no" \
		"[dn]" "CN = $n" "[v3_srv]" \
		"basicConstraints = critical,CA:FALSE" \
		"keyUsage = critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage = serverAuth" \
		"subjectAltName = $san" >"$d/$n.cnf"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/$n.key" -out "$d/$n.csr" -config "$d/$n.cnf" \
		2>>"$d/openssl.log" || return 1
	chmod 600 "$d/$n.key"
	if [ "${4:-}" = expired ]; then
		printf '%s\n' "[ca]" "default_ca = c" "[c]" \
			"database = $d/index.txt" "serial = $d/serial" \
			"new_certs_dir = $d" "default_md = sha256" "policy = p" \
			"[p]" "commonName = supplied" >"$d/$n.ca.cnf"
		: >"$d/index.txt"
		echo 01 >"$d/serial"
		openssl ca -batch -config "$d/$n.ca.cnf" -cert "$d/ca.pem" \
			-keyfile "$d/ca.key" -in "$d/$n.csr" -out "$d/$n.pem" \
			-startdate 20200101000000Z -enddate 20200102000000Z \
			-extfile "$d/$n.cnf" -extensions v3_srv \
			>>"$d/openssl.log" 2>&1
	else
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" \
			-CAkey "$d/ca.key" -CAcreateserial -out "$d/$n.pem" \
			-days 30 -extfile "$d/$n.cnf" -extensions v3_srv \
			2>>"$d/openssl.log"
	fi
}
