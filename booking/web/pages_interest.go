package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// "Register your interest" (booking/interest.go): the form, on the public
// route (/interest) and the staff one (/staff/interest, work addresses
// only), and "Check your email". The answer is the same whether or not the
// address is known.

const interestTitle = "Register your interest in One Coventry Plan workshops"

// interestFields are the form's fields in the order they appear.
var interestFields = []string{"name", "email", "modes", "area", "times"}

// Ways of taking part as the form offers them: one radio for both.
var interestWays = []struct{ Value, Label, Hint string }{
	{booking.WayInPerson, "In person", "At a venue in Coventry"},
	{booking.WayOnline, "Online", "In Microsoft Teams, from a computer, tablet or phone"},
	{booking.WayEither, "Either", ""},
}

type interestPage struct {
	Page
	Staff   bool
	Action  string
	Domains string
	Ways    []struct{ Value, Label, Hint string }
	Areas   []booking.Area
	Times   []timeChoice
}

type timeChoice struct {
	Value, Label, Hint string
	Checked            bool
}

var timeHints = map[booking.TimeOfWeek]string{
	booking.WeekdayDaytime: "Monday to Friday, starting before 5pm",
	booking.Evenings:       "Monday to Friday, starting at 5pm or later",
	booking.Weekends:       "Saturday and Sunday",
}

func (s *Server) interestPage(j *journey, values map[string]string, times []string) *interestPage {
	p := &interestPage{Page: Page{Title: interestTitle, Values: values}, Staff: j.Staff,
		Action: j.Prefix + "/interest", Domains: s.svc.StaffDomainsText(), Ways: interestWays, Areas: booking.Areas()}
	if j.Staff {
		p.BackLink = "/staff"
	} else {
		p.BackLink = "/"
	}
	for _, t := range booking.TimesOfWeek {
		p.Times = append(p.Times, timeChoice{Value: string(t), Label: t.Label(), Hint: timeHints[t],
			Checked: containsString(times, string(t))})
	}
	return p
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// interestForm shows the form: GET /interest and GET /staff/interest.
func (s *Server) interestForm(j *journey) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if err := s.open(j); err != nil {
			return err
		}
		s.render(c, http.StatusOK, "interest", s.interestPage(j, nil, nil))
		return nil
	}
}

// interestRegister registers and says to check email: POST /interest and
// POST /staff/interest.
func (s *Server) interestRegister(j *journey) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if err := s.open(j); err != nil {
			return err
		}
		values := map[string]string{"name": c.PostForm("name"), "email": strings.TrimSpace(c.PostForm("email")),
			"modes": c.PostForm("modes"), "area": c.PostForm("area")}
		times := c.PostFormArray("times")
		in := booking.Interest{Name: values["name"], Email: values["email"], Area: values["area"],
			Audience: booking.Public}
		if j.Staff {
			in.Audience = booking.Workforce
		}
		switch values["modes"] {
		case booking.WayInPerson:
			in.Modes = []booking.Mode{booking.InPerson}
		case booking.WayOnline:
			in.Modes = []booking.Mode{booking.Online}
		case booking.WayEither:
			in.Modes = []booking.Mode{booking.InPerson, booking.Online}
		}
		for _, t := range times {
			in.Times = append(in.Times, booking.TimeOfWeek(t))
		}
		err := s.svc.RegisterInterest(c.Request.Context(), in)
		if booking.IsCode(err, booking.EInvalid) {
			p := s.interestPage(j, values, times)
			if f := booking.ErrorFields(err); f["modes"] != "" {
				err = booking.FieldErrors(withField(f, "modes", "Select how you would like to take part"))
			}
			if f := booking.ErrorFields(err); f["times"] != "" {
				err = booking.FieldErrors(withField(f, "times", "Select the times that suit you from the list, or none"))
			}
			if !p.SetErrors(err, interestFields...) {
				return err
			}
			s.render(c, http.StatusUnprocessableEntity, "interest", p)
			return nil
		}
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, "interest_sent", &bookingLinkSentPage{Page: Page{Title: "Check your email"},
			Email: values["email"]})
		return nil
	}
}

// withField replaces the message of one field: the form's words, not the
// API's.
func withField(f map[string]string, field, msg string) map[string]string {
	f[field] = msg
	return f
}
