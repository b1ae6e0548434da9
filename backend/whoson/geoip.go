package whoson

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP is the connected event's GeoIP object, with the document's field names.
type GeoIP struct {
	IPAddress    string  `json:"IPAddress"`
	IsProxy      bool    `json:"IsProxy"`
	IsSatellite  bool    `json:"IsSatellite"`
	PostCode     string  `json:"PostCode"`
	Latitude     float64 `json:"Latitude"`
	Longitude    float64 `json:"Longitude"`
	Radius       int     `json:"Radius"`
	ISP          string  `json:"ISP"`
	CountryISO   string  `json:"CountryISO"`
	CountryName  string  `json:"CountryName"`
	City         string  `json:"City"`
	MetroCode    string  `json:"MetroCode"`
	Organization string  `json:"Organization"`
	RegionName   string  `json:"RegionName"`
	RegionISO    string  `json:"RegionISO"`
}

// Locator fills GeoIP objects from a MaxMind city database (GeoLite2-City, GeoIP2-City); the
// zero Locator, without a database, gives the address alone.
type Locator struct{ db *maxminddb.Reader }

// OpenLocator opens a MaxMind database file; an empty path gives the zero Locator.
func OpenLocator(path string) (*Locator, error) {
	if path == "" {
		return &Locator{}, nil
	}
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database %s: %w", path, err)
	}
	return &Locator{db: db}, nil
}

// Close releases the database.
func (l *Locator) Close() error {
	if l == nil || l.db == nil {
		return nil
	}
	return l.db.Close()
}

// cityRecord is the part of a MaxMind city record the GeoIP object shows.
type cityRecord struct {
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Location struct {
		Latitude       float64 `maxminddb:"latitude"`
		Longitude      float64 `maxminddb:"longitude"`
		AccuracyRadius int     `maxminddb:"accuracy_radius"`
		MetroCode      int     `maxminddb:"metro_code"`
	} `maxminddb:"location"`
	Postal struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"postal"`
	Subdivisions []struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	Traits struct {
		IsAnonymousProxy    bool   `maxminddb:"is_anonymous_proxy"`
		IsSatelliteProvider bool   `maxminddb:"is_satellite_provider"`
		ISP                 string `maxminddb:"isp"`
		Organization        string `maxminddb:"organization"`
	} `maxminddb:"traits"`
}

// Locate describes an address; what the database does not know stays empty.
func (l *Locator) Locate(ip string) GeoIP {
	g := GeoIP{IPAddress: ip}
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if l == nil || l.db == nil || err != nil {
		return g
	}
	var r cityRecord
	res := l.db.Lookup(addr.Unmap())
	if !res.Found() || res.Decode(&r) != nil {
		return g
	}
	g.IsProxy, g.IsSatellite = r.Traits.IsAnonymousProxy, r.Traits.IsSatelliteProvider
	g.PostCode = r.Postal.Code
	g.Latitude, g.Longitude, g.Radius = r.Location.Latitude, r.Location.Longitude, r.Location.AccuracyRadius
	g.ISP, g.Organization = r.Traits.ISP, r.Traits.Organization
	g.CountryISO, g.CountryName = r.Country.ISOCode, r.Country.Names["en"]
	g.City = r.City.Names["en"]
	if r.Location.MetroCode != 0 {
		g.MetroCode = fmt.Sprint(r.Location.MetroCode)
	}
	if len(r.Subdivisions) > 0 {
		g.RegionName, g.RegionISO = r.Subdivisions[0].Names["en"], r.Subdivisions[0].ISOCode
	}
	return g
}
