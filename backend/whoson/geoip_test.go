package whoson

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// mmdb writes a minimal MaxMind DB (format 2.0, IPv4, 24-bit records) in which one /24
// network maps to one record, so that the locator is tested against the real reader.
type mmdb struct{ bytes.Buffer }

func (m *mmdb) ctrl(typ, size int) {
	if typ > 7 {
		m.WriteByte(byte(size))
		m.WriteByte(byte(typ - 7))
	} else {
		m.WriteByte(byte(typ<<5 | size))
	}
}

func (m *mmdb) value(v any) {
	switch x := v.(type) {
	case string:
		m.ctrl(2, len(x))
		m.WriteString(x)
	case float64:
		m.ctrl(3, 8)
		_ = binary.Write(&m.Buffer, binary.BigEndian, math.Float64bits(x))
	case uint16:
		m.ctrl(5, 2)
		_ = binary.Write(&m.Buffer, binary.BigEndian, x)
	case uint32:
		m.ctrl(6, 4)
		_ = binary.Write(&m.Buffer, binary.BigEndian, x)
	case uint64:
		m.ctrl(9, 8)
		_ = binary.Write(&m.Buffer, binary.BigEndian, x)
	case bool:
		b := 0
		if x {
			b = 1
		}
		m.ctrl(14, b)
	case []any:
		m.ctrl(11, len(x))
		for _, e := range x {
			m.value(e)
		}
	case map[string]any:
		m.ctrl(7, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.value(k)
			m.value(x[k])
		}
	default:
		panic("mmdb: unsupported value")
	}
}

// writeCityDB writes a database in which a.b.c.0/24 maps to record.
func writeCityDB(t *testing.T, a, b, c byte, record map[string]any) string {
	t.Helper()
	const nodes = 24 // one node per bit of the prefix
	var data mmdb
	data.value(record)
	var out bytes.Buffer
	ip := uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8
	for i := range nodes {
		bit := ip >> (31 - i) & 1
		next := uint32(i + 1)
		if i == nodes-1 {
			next = nodes + 16 // the record at offset 0 of the data section
		}
		left, right := uint32(nodes), uint32(nodes) // no data
		if bit == 0 {
			left = next
		} else {
			right = next
		}
		for _, r := range []uint32{left, right} {
			out.Write([]byte{byte(r >> 16), byte(r >> 8), byte(r)})
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xab\xcd\xefMaxMind.com")
	var meta mmdb
	meta.value(map[string]any{
		"node_count": uint32(nodes), "record_size": uint16(24), "ip_version": uint16(4),
		"database_type": "GeoLite2-City", "languages": []any{"en"},
		"binary_format_major_version": uint16(2), "binary_format_minor_version": uint16(0),
		"build_epoch": uint64(1700000000), "description": map[string]any{"en": "test"},
	})
	out.Write(meta.Bytes())
	path := filepath.Join(t.TempDir(), "city.mmdb")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLocatorFillsGeoIP(t *testing.T) {
	path := writeCityDB(t, 195, 62, 193, map[string]any{
		"city":         map[string]any{"names": map[string]any{"en": "Stoke-on-Trent"}},
		"country":      map[string]any{"iso_code": "GB", "names": map[string]any{"en": "United Kingdom"}},
		"location":     map[string]any{"latitude": 53.0278, "longitude": -2.1658, "accuracy_radius": uint16(20)},
		"postal":       map[string]any{"code": "ST1"},
		"subdivisions": []any{map[string]any{"iso_code": "ENG", "names": map[string]any{"en": "England"}}},
		"traits":       map[string]any{"is_anonymous_proxy": false, "isp": "Internet Central Limited"},
	})
	l, err := OpenLocator(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	g := l.Locate("195.62.193.194")
	want := GeoIP{IPAddress: "195.62.193.194", PostCode: "ST1", Latitude: 53.0278, Longitude: -2.1658, Radius: 20, ISP: "Internet Central Limited",
		CountryISO: "GB", CountryName: "United Kingdom", City: "Stoke-on-Trent", RegionName: "England", RegionISO: "ENG"}
	if g != want {
		t.Fatalf("located\n %+v\nwant %+v", g, want)
	}
	// Addresses the database does not know, and what is not an address, give the address alone.
	for _, ip := range []string{"10.0.0.1", "195.62.194.1", "::1", "not an address", ""} {
		if g := l.Locate(ip); g != (GeoIP{IPAddress: ip}) {
			t.Errorf("%q: %+v", ip, g)
		}
	}
	// Without a database: the address alone.
	none, err := OpenLocator("")
	if err != nil || none.Locate("195.62.193.194") != (GeoIP{IPAddress: "195.62.193.194"}) || none.Close() != nil {
		t.Fatalf("no database: %v", err)
	}
	if _, err := OpenLocator(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Fatal("a missing database opened")
	}
}
