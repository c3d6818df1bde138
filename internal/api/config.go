package api

import (
	"net/http"
	"strconv"
)

// ConfigOption is Airflow's ConfigOption.
type ConfigOption struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ConfigSection is Airflow's ConfigSection.
type ConfigSection struct {
	Name    string         `json:"name"`
	Options []ConfigOption `json:"options"`
}

// ConfigResponse is Airflow's Config.
type ConfigResponse struct {
	Sections []ConfigSection `json:"sections"`
}

// hidden is how Airflow shows a sensitive option.
const hidden = "< hidden >"

// handleConfig is GET /api/v2/config: the API server's settings, secrets
// hidden as Airflow hides them (section selects one; 404 for another).
func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	all := s.configSections()
	want := r.URL.Query().Get("section")
	if want == "" {
		writeJSON(w, http.StatusOK, ConfigResponse{Sections: all})
		return
	}
	for _, sec := range all {
		if sec.Name == want {
			writeJSON(w, http.StatusOK, ConfigResponse{Sections: []ConfigSection{sec}})
			return
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "Section %s not found.", want))
}

// handleConfigValue is GET /api/v2/config/section/{section}/option/{option}:
// one option of the same redacted settings (404 as Airflow's for an
// unknown section or option).
func (s *Server) handleConfigValue(w http.ResponseWriter, r *http.Request) {
	section, option := r.PathValue("section"), r.PathValue("option")
	for _, sec := range s.configSections() {
		if sec.Name != section {
			continue
		}
		for _, o := range sec.Options {
			if o.Key == option {
				writeJSON(w, http.StatusOK, ConfigResponse{Sections: []ConfigSection{{Name: section, Options: []ConfigOption{o}}}})
				return
			}
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "Option [%s/%s] not found.", section, option))
}

// configSections is the server's settings as Airflow's config sections,
// sensitive values hidden.
func (s *Server) configSections() []ConfigSection {
	c := s.cfg
	return []ConfigSection{
		{Name: "api", Options: []ConfigOption{
			{"maximum_page_limit", strconv.Itoa(maxLimit)},
			{"fallback_page_limit", strconv.Itoa(defaultLimit)},
			{"expose_config", "non-sensitive-only"},
		}},
		{Name: "api_auth", Options: []ConfigOption{
			{"jwt_secret", hidden},
			{"jwt_expiration_time", strconv.Itoa(int(c.TokenTTL.Seconds()))},
			{"jwt_algorithm", "HS256"},
		}},
		{Name: "dagworker", Options: []ConfigOption{
			{"version", c.Version},
			{"users", strconv.Itoa(len(c.Users))},
			{"tokens", strconv.Itoa(len(c.Tokens))},
			{"open_on_loopback", strconv.FormatBool(c.Open)},
			{"max_body_bytes", strconv.FormatInt(c.MaxBodyBytes, 10)},
			{"max_wait", c.MaxWait.String()},
		}},
	}
}
