package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// Accounts, for admins: the list, adding one with its role, and changing
// a name or role or disabling an account, through the same use cases as
// the API (booking.Service.CreateOrganiser and UpdateOrganiser), which
// write the audit log. Accounts are disabled, never deleted.

var accountFields = []string{"name", "email", "role"}

type accountsPage struct {
	organiserPage
	Accounts []*booking.Organiser
}

func (s *Server) newAccountsPage(c *gin.Context) (*accountsPage, error) {
	list, err := s.svc.Organisers(c.Request.Context())
	if err != nil {
		return nil, err
	}
	p := &accountsPage{organiserPage: s.organiser(c, "Accounts"), Accounts: list}
	p.BackLink = "/admin"
	return p, nil
}

// organiserAccounts is GET /admin/organisers.
func (s *Server) organiserAccounts(c *gin.Context) error {
	p, err := s.newAccountsPage(c)
	if err != nil {
		return err
	}
	p.Values = map[string]string{"role": string(booking.RoleFacilitator)}
	s.render(c, http.StatusOK, "organiser_accounts", p)
	return nil
}

// organiserAccountCreate is POST /admin/organisers.
func (s *Server) organiserAccountCreate(c *gin.Context) error {
	in := booking.OrganiserInput{
		Email: c.PostForm("email"), Name: c.PostForm("name"), Role: booking.Role(c.PostForm("role")),
	}
	typed := map[string]string{"email": in.Email, "name": in.Name, "role": string(in.Role)}
	_, err := s.svc.CreateOrganiser(c.Request.Context(), in)
	switch booking.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, withDone("/admin/organisers", "account"))
		return nil
	case booking.EInvalid, booking.EDuplicate:
		p, perr := s.newAccountsPage(c)
		if perr != nil {
			return perr
		}
		p.Values = typed
		status := http.StatusUnprocessableEntity
		if booking.IsCode(err, booking.EDuplicate) {
			status = http.StatusConflict
			p.AddError("email", "There is already an account with this email address")
		} else if !p.SetErrors(err, accountFields...) {
			return err
		}
		s.render(c, status, "organiser_accounts", p)
		return nil
	}
	return err
}

type accountPage struct {
	organiserPage
	Account *booking.Organiser
}

// accountOf finds the account in :organiser_id among those an admin lists.
func (s *Server) accountOf(c *gin.Context) (*accountPage, error) {
	id, err := pathInt(c, "organiser_id", "account")
	if err != nil {
		return nil, err
	}
	list, err := s.svc.Organisers(c.Request.Context())
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if o.ID == id {
			p := &accountPage{organiserPage: s.organiser(c, "Change an account"), Account: o}
			p.BackLink = "/admin/organisers"
			return p, nil
		}
	}
	return nil, booking.Errorf(booking.ENotFound, "There is no such account.")
}

// organiserAccountPage is GET /admin/organisers/:organiser_id.
func (s *Server) organiserAccountPage(c *gin.Context) error {
	p, err := s.accountOf(c)
	if err != nil {
		return err
	}
	status := "active"
	if !p.Account.Active() {
		status = "disabled"
	}
	p.Values = map[string]string{"name": p.Account.Name, "role": string(p.Account.Role), "status": status}
	s.render(c, http.StatusOK, "organiser_account", p)
	return nil
}

// organiserAccountUpdate is POST /admin/organisers/:organiser_id: every
// field must be given, so a form sent empty changes nothing.
func (s *Server) organiserAccountUpdate(c *gin.Context) error {
	p, err := s.accountOf(c)
	if err != nil {
		return err
	}
	name, role, status := c.PostForm("name"), booking.Role(c.PostForm("role")), c.PostForm("status")
	p.Values = map[string]string{"name": name, "role": string(role), "status": status}
	fields := map[string]string{}
	if strings.TrimSpace(name) == "" {
		fields["name"] = "Enter their name"
	}
	if !role.Valid() {
		fields["role"] = "Choose what they can do: admin or facilitator"
	}
	if status != "active" && status != "disabled" {
		fields["status"] = "Choose whether they can sign in"
	}
	if len(fields) > 0 {
		p.SetErrors(booking.FieldErrors(fields), "name", "role", "status")
		s.render(c, http.StatusUnprocessableEntity, "organiser_account", p)
		return nil
	}
	disabled := status == "disabled"
	_, err = s.svc.UpdateOrganiser(c.Request.Context(), p.Account.ID, booking.OrganiserPatch{Name: &name, Role: &role, Disabled: &disabled})
	switch booking.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, withDone("/admin/organisers", "account"))
		return nil
	case booking.EInvalid:
		if !p.SetErrors(err, "name", "role", "status") {
			return err
		}
	case booking.EConflict:
		p.AddError("role", booking.ErrorMessage(err))
	default:
		return err
	}
	s.render(c, http.StatusUnprocessableEntity, "organiser_account", p)
	return nil
}
