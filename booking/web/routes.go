package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// The route table: every route the service answers, with who may use it
// and how often. Handler returns error; fail (errors.go) renders it, as
// JSON for the API and as a page for pages. A route not in this table is
// not served (TestRouteTable checks the router against it).

// kind is how a route answers, and so how its errors are shown.
type kind int

const (
	apiRoute  kind = iota // JSON; errors in the contract's shape
	pageRoute             // HTML; errors as pages, strangers sent to sign in
	rawRoute              // serves itself, untimed: health, metrics, assets; errors as JSON
)

// guard is who may use a route (auth.go).
type guard int

const (
	public       guard = iota // everyone
	anyOrganiser              // any signed-in organiser or the admin token; the handler shows each only what is theirs
	ofSession                 // admins, the token, and the facilitators of the session in :id
	ofBooking                 // admins, the token, and the facilitators of the session of the booking in :reference
	adminOnly                 // admins and the admin token
)

// route is one line of the table. limit names an entry of rateLimits, or
// is empty for none. name labels the route's timing in the metrics.
type route struct {
	method, path string
	kind         kind
	guard        guard
	limit        string
	name         string
	handler      func(c *gin.Context) error
}

// Rate limit kinds (rateLimits in middleware_ratelimit.go).
const (
	noLimit       = ""
	holdLimit     = "hold"     // takes a place for a while
	bookingLimit  = "booking"  // books a place
	waitlistLimit = "waitlist" // joins a waiting list
	interestLimit = "interest" // registers interest: sends an email
	tokenLimit    = "token"    // checks an emailed token: guessing is slowed
	linkLimit     = "link"     // emails a person's links again
	surveyLimit   = "survey"   // sends a survey response
	// linkAddressLimit counts the links sent to one address, from any
	// client (pages_booking_link.go), not requests to one route.
	linkAddressLimit = "link_address"
	// entryLimit bounds poster entries: each is up to 15 MB to check.
	entryLimit = "entry"
	// adminAuthLimit counts failed admin-token authentication on any
	// route (auth.go), not requests to one route.
	adminAuthLimit = "admin_auth"
)

const (
	get, post, put, patch, del, head = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead
)

// routes is the table.
func (s *Server) routes() []route {
	pub, org, sess, bkg, adm := public, anyOrganiser, ofSession, ofBooking, adminOnly
	api, page, raw := apiRoute, pageRoute, rawRoute
	return []route{
		// Health and metrics (health.go, metrics.go).
		{get, "/healthz", raw, pub, noLimit, "", serve(s.healthz)},
		{get, "/readyz", raw, pub, noLimit, "", serve(s.readyz)},
		{get, "/metrics", raw, pub, noLimit, "", serve(s.serveMetrics)},

		// The public JSON API (api_public.go, api_calendar.go, api_waitlist.go, api_ballots.go, api_interest.go).
		{get, "/api/v1/openapi.json", raw, pub, noLimit, "", serve(s.openAPI)},
		{get, "/api/v1/workshops", api, pub, noLimit, "workshops", s.listWorkshops},
		{get, "/api/v1/sessions/:id", api, pub, noLimit, "session", s.getSession},
		{get, "/api/v1/areas", api, pub, noLimit, "areas", s.listAreas},
		{post, "/api/v1/sessions/:id/holds", api, pub, holdLimit, "hold", s.createHold},
		{del, "/api/v1/holds/:hold_id", api, pub, noLimit, "release_hold", s.releaseHold},
		{post, "/api/v1/holds/:hold_id/booking", api, pub, bookingLimit, "book_with_hold", s.bookWithHold},
		{post, "/api/v1/booking-links", api, pub, linkLimit, "booking_links", s.apiBookingLinks},
		{post, "/api/v1/sessions/:id/bookings", api, pub, bookingLimit, "book", s.bookDirect},
		{get, "/api/v1/bookings/:reference", api, pub, tokenLimit, "booking", s.getBooking},
		{del, "/api/v1/bookings/:reference", api, pub, tokenLimit, "cancel_booking", s.cancelBooking},
		{del, "/api/v1/bookings/:reference/companion", api, pub, tokenLimit, "cancel_companion", s.cancelCompanion},
		{get, "/api/v1/bookings/:reference/invite.ics", api, pub, tokenLimit, "booking_invite", s.bookingInvite},
		{get, "/calendar/sessions/:file", api, pub, noLimit, "session_feed", s.sessionFeed},
		{post, "/api/v1/sessions/:id/waitlist", api, pub, waitlistLimit, "waitlist_join", s.joinWaitlist},
		{post, "/api/v1/sessions/:id/applications", api, pub, bookingLimit, "ballot_apply", s.applyForPlace},
		{get, "/api/v1/waitlist/:reference", api, pub, tokenLimit, "waitlist_entry", s.getWaitlistEntry},
		{post, "/api/v1/waitlist/:reference/accept", api, pub, bookingLimit, "waitlist_accept", s.acceptOffer},
		{post, "/api/v1/waitlist/:reference/decline", api, pub, tokenLimit, "waitlist_decline", s.declineOffer},
		{del, "/api/v1/waitlist/:reference", api, pub, tokenLimit, "waitlist_leave", s.leaveWaitlist},
		{get, "/api/v1/surveys/:id", api, pub, noLimit, "survey", s.getSurvey},
		{post, "/api/v1/surveys/:id/responses", api, pub, surveyLimit, "survey_respond", s.submitSurveyResponse},
		{post, "/api/v1/interest", api, pub, interestLimit, "interest_register", s.registerInterest},
		{del, "/api/v1/interest", api, pub, tokenLimit, "interest_stop", s.stopInterest},

		// The poster competition (api_competition.go).
		{post, "/api/v1/competition/entries", api, pub, entryLimit, "competition_enter", s.apiEnterCompetition},
		{post, "/api/v1/competition/removals", api, pub, tokenLimit, "competition_remove", s.apiRemoveEntry},
		{get, "/api/v1/competition/winners", api, pub, noLimit, "competition_winners", s.apiCompetitionWinners},
		{get, "/api/v1/admin/competition/entries", api, adm, noLimit, "admin_competition_entries", s.adminCompetitionEntries},
		{get, "/api/v1/admin/competition/entries/:reference", api, adm, noLimit, "admin_competition_entry", s.adminCompetitionEntry},
		{patch, "/api/v1/admin/competition/entries/:reference", api, adm, noLimit, "admin_competition_judge", s.adminJudgeEntry},
		{del, "/api/v1/admin/competition/entries/:reference", api, adm, noLimit, "admin_competition_erase", s.adminEraseEntry},
		{get, "/api/v1/admin/competition/entries/:reference/image", api, adm, noLimit, "admin_competition_image", s.entryImage(false)},
		{get, "/api/v1/admin/competition/entries/:reference/thumbnail", api, adm, noLimit, "admin_competition_thumbnail", s.entryImage(true)},
		{post, "/api/v1/admin/competition/winners", api, adm, noLimit, "admin_competition_publish", s.adminPublishWinners},

		// The admin API (api_admin.go (and a session's messages), organiser_resend.go, organiser_places.go, organiser_participation.go, organiser_workshop_edit.go, checkin_walkin.go, organiser_booking_change.go, api_emails.go, api_accounts.go, attendance.go).
		{post, "/api/v1/admin/workshops", api, adm, noLimit, "admin_create_workshop", s.adminCreateWorkshop},
		{patch, "/api/v1/admin/workshops/:id", api, adm, noLimit, "admin_update_workshop", s.adminUpdateWorkshop},
		{post, "/api/v1/admin/workshops/:id/sessions", api, adm, noLimit, "admin_create_session", s.adminCreateSession},
		{patch, "/api/v1/admin/sessions/:id", api, adm, noLimit, "admin_update_session", s.adminUpdateSession},
		{post, "/api/v1/admin/sessions/:id/cancel", api, adm, noLimit, "admin_cancel_session", s.adminCancelSession},
		{post, "/api/v1/admin/sessions/:id/messages", api, adm, noLimit, "admin_message_session", s.adminMessageSession},
		{post, "/api/v1/admin/sessions/:id/draw", api, adm, noLimit, "admin_draw", s.adminDraw},
		{get, "/api/v1/admin/sessions/:id/draw", api, sess, noLimit, "admin_get_draw", s.adminGetDraw},
		{get, "/api/v1/admin/emails/failed", api, adm, noLimit, "admin_failed_emails", s.adminFailedEmails},
		{post, "/api/v1/admin/emails/:id/retry", api, adm, noLimit, "admin_retry_email", s.adminRetryEmail},
		{get, "/api/v1/admin/organisers", api, adm, noLimit, "admin_list_organisers", s.adminListOrganisers},
		{post, "/api/v1/admin/organisers", api, adm, noLimit, "admin_create_organiser", s.adminCreateOrganiser},
		{patch, "/api/v1/admin/organisers/:organiser_id", api, adm, noLimit, "admin_update_organiser", s.adminUpdateOrganiser},
		{get, "/api/v1/admin/sessions/:id/facilitators", api, adm, noLimit, "admin_list_facilitators", s.adminListFacilitators},
		{post, "/api/v1/admin/sessions/:id/facilitators", api, adm, noLimit, "admin_assign_facilitator", s.adminAssignFacilitator},
		{del, "/api/v1/admin/sessions/:id/facilitators/:organiser_id", api, adm, noLimit, "admin_unassign_facilitator", s.adminUnassignFacilitator},
		{get, "/api/v1/admin/audit", api, adm, noLimit, "admin_audit", s.adminAudit},
		{get, "/api/v1/admin/sessions/:id/attendees", api, sess, noLimit, "admin_attendees", s.adminAttendees},
		{get, "/api/v1/admin/sessions/:id/attendees.csv", api, sess, noLimit, "admin_attendees_csv", s.adminAttendeesCSV},
		{get, "/api/v1/admin/sessions/:id/attendees.pdf", api, sess, noLimit, "admin_attendees_pdf", s.adminAttendeesPDF},
		{post, "/api/v1/admin/sessions/:id/no-shows", api, sess, noLimit, "admin_no_shows", s.adminMarkNoShows},
		{post, "/api/v1/admin/bookings/:reference/attendance", api, bkg, noLimit, "admin_attendance", s.adminMarkAttendance},
		{post, "/api/v1/admin/sessions/:id/walk-ins", api, sess, noLimit, "admin_walk_in", s.adminRegisterWalkIn},
		{post, "/api/v1/admin/bookings/:reference/confirmation", api, bkg, noLimit, "admin_resend_confirmation", s.adminResendConfirmation},
		{patch, "/api/v1/admin/bookings/:reference", api, adm, noLimit, "admin_update_booking", s.adminUpdateBooking},
		{post, "/api/v1/admin/bookings/:reference/move", api, adm, noLimit, "admin_move_booking", s.adminMoveBooking},
		{get, "/api/v1/admin/workshops/:id/attendance", api, adm, noLimit, "admin_workshop_attendance", s.adminWorkshopAttendance},
		{get, "/api/v1/admin/people", api, adm, noLimit, "admin_person_export", s.adminExportPerson},
		{del, "/api/v1/admin/people", api, adm, noLimit, "admin_person_erase", s.adminErasePerson},
		{get, "/api/v1/admin/places", api, adm, noLimit, "admin_places", s.adminPlaces},
		{get, "/api/v1/admin/participation", api, adm, noLimit, "admin_participation", s.adminParticipation},
		{get, "/api/v1/admin/participation.csv", api, adm, noLimit, "admin_participation_csv", s.adminParticipationCSV},
		{get, "/api/v1/admin/interest", api, org, noLimit, "admin_interest_counts", s.adminInterestCounts},

		// The survey's admin API (api_surveys.go).
		{post, "/api/v1/admin/surveys", api, adm, noLimit, "admin_create_survey", s.adminCreateSurvey},
		{get, "/api/v1/admin/surveys", api, adm, noLimit, "admin_list_surveys", s.adminListSurveys},
		{get, "/api/v1/admin/surveys/:id", api, adm, noLimit, "admin_survey", s.adminGetSurvey},
		{put, "/api/v1/admin/surveys/:id", api, adm, noLimit, "admin_update_survey", s.adminUpdateSurvey},
		{post, "/api/v1/admin/surveys/:id/close", api, adm, noLimit, "admin_close_survey", s.adminCloseSurvey},
		{get, "/api/v1/admin/surveys/:id/results", api, adm, noLimit, "admin_survey_results", s.adminSurveyResults},
		{get, "/api/v1/admin/surveys/:id/questions/:question_id/answers", api, adm, noLimit, "admin_survey_text_answers", s.adminSurveyTextAnswers},
		{get, "/api/v1/admin/surveys/:id/responses.csv", api, adm, noLimit, "admin_survey_csv", s.adminSurveyCSV},

		// The public pages (pages*.go): one handler per file, named after the route.
		{get, "/assets/*filepath", raw, pub, noLimit, "", serve(s.assets.serve)},
		{head, "/assets/*filepath", raw, pub, noLimit, "", serve(s.assets.serve)},
		{get, "/", page, pub, noLimit, "page_start", s.startPage},
		{get, "/workshops/:id", page, pub, noLimit, "page_workshop", s.workshopPage},
		{get, "/sessions/:id", page, pub, noLimit, "page_session", s.sessionPage(publicJourney)},
		{post, "/sessions/:id", page, pub, holdLimit, "page_session_hold", s.sessionHold(publicJourney)},
		{post, "/sessions/:id/change", page, pub, noLimit, "page_session_change", s.sessionChange(publicJourney)},
		{post, "/sessions/:id/release", page, pub, noLimit, "page_session_release", s.sessionRelease(publicJourney)},
		{get, "/holds/:hold_id/details", page, pub, noLimit, "page_details", s.detailsPage(publicJourney)},
		{post, "/holds/:hold_id/details", page, pub, bookingLimit, "page_details_check", s.detailsCheck(publicJourney)},
		{post, "/holds/:hold_id/confirm", page, pub, bookingLimit, "page_confirm", s.confirmBooking(publicJourney)},
		{get, "/bookings/:reference/confirmed", page, pub, tokenLimit, "page_confirmed", s.confirmedPage},
		{get, "/bookings/:reference", page, pub, tokenLimit, "page_manage", s.bookingOrAsk},
		{get, "/bookings/:reference/cancel", page, pub, tokenLimit, "page_cancel", s.cancelPage},
		{post, "/bookings/:reference/cancel", page, pub, tokenLimit, "page_cancel_confirm", s.cancelConfirm},
		{get, "/bookings/:reference/companion/cancel", page, pub, tokenLimit, "page_companion_cancel", s.companionCancelPage},
		{post, "/bookings/:reference/companion/cancel", page, pub, tokenLimit, "page_companion_cancel_confirm", s.companionCancelConfirm},
		{get, "/bookings/:reference/switch", page, pub, tokenLimit, "page_switch", s.switchPage},
		{post, "/bookings/:reference/switch", page, pub, bookingLimit, "page_switch_confirm", s.switchConfirm},
		{get, "/bookings/:reference/details", page, pub, tokenLimit, "page_change_details", s.changeDetailsForm},
		{post, "/bookings/:reference/details", page, pub, tokenLimit, "page_change_details_save", s.changeDetails},
		{get, "/bookings/:reference/email", page, pub, tokenLimit, "page_email_change", s.emailChangeForm},
		{post, "/bookings/:reference/email", page, pub, linkLimit, "page_email_change_send", s.emailChangeSend},
		{get, "/email-change/:token", page, pub, tokenLimit, "page_email_change_link", s.emailChangeLink},
		{post, "/email-change/:token", page, pub, tokenLimit, "page_email_change_confirm", s.emailChangeConfirm},
		{get, "/bookings/:reference/move", page, pub, tokenLimit, "page_move", s.movePage},
		{post, "/bookings/:reference/move", page, pub, bookingLimit, "page_move_confirm", s.moveConfirm},
		{get, "/booking-link", page, pub, noLimit, "page_booking_link", s.bookingLinkForm},
		{post, "/booking-link", page, pub, linkLimit, "page_booking_link_send", s.bookingLinkSend},
		{get, "/accessibility", page, pub, noLimit, "page_accessibility", s.staticPage("accessibility", "Accessibility statement")},
		{get, "/privacy", page, pub, noLimit, "page_privacy", s.staticPage("privacy", "Privacy notice")},
		{get, "/cookies", page, pub, noLimit, "page_cookies", s.staticPage("cookies", "Cookies")},

		// The poster competition (pages_competition*.go).
		{get, "/competition", page, pub, noLimit, "page_competition", s.competitionPage},
		{get, "/competition/poster-template.pdf", page, pub, noLimit, "page_competition_template", s.competitionTemplate},
		{get, "/competition/enter", page, pub, noLimit, "page_competition_enter", s.competitionEnterForm},
		{post, "/competition/enter", page, pub, entryLimit, "page_competition_entry", s.competitionEnter},
		{get, "/competition/entered", page, pub, noLimit, "page_competition_entered", s.competitionEntered},
		{get, "/competition/remove", page, pub, noLimit, "page_competition_remove", s.competitionRemoveForm},
		{post, "/competition/remove", page, pub, tokenLimit, "page_competition_removed", s.competitionRemove},
		{get, "/competition/winners", page, pub, noLimit, "page_competition_winners", s.competitionWinners},
		{get, "/competition/confirm/:token", page, pub, tokenLimit, "page_competition_confirm", s.competitionConfirmPage},
		{post, "/competition/confirm/:token", page, pub, tokenLimit, "page_competition_confirmed", s.competitionConfirm},
		// The survey (pages_survey.go): nothing is stored until it is sent.
		{get, "/surveys/:id", page, pub, noLimit, "page_survey", s.surveyFormPage},
		{post, "/surveys/:id", page, pub, noLimit, "page_survey_check", s.surveyCheck},
		{post, "/surveys/:id/change", page, pub, noLimit, "page_survey_change", s.surveyChange},
		{post, "/surveys/:id/submit", page, pub, surveyLimit, "page_survey_submit", s.surveySubmit},
		{get, "/surveys/:id/done", page, pub, noLimit, "page_survey_done", s.surveyDone},
		// Ballot sessions (pages_ballot.go): applying, and how the draw works.
		{post, "/sessions/:id/apply", page, pub, bookingLimit, "page_ballot_apply", s.ballotApply},
		{get, ballotMethodPath, page, pub, noLimit, "page_ballot_method", s.staticPage("ballot_method", "How the ballot draw works")},
		// Registering interest (pages_interest.go, pages_interest_links.go).
		{get, "/interest", page, pub, noLimit, "page_interest", s.interestForm(publicJourney)},
		{post, "/interest", page, pub, interestLimit, "page_interest_register", s.interestRegister(publicJourney)},
		{get, "/interest/confirm", page, pub, tokenLimit, "page_interest_confirm", s.interestConfirmPage},
		{post, "/interest/confirm", page, pub, tokenLimit, "page_interest_confirmed", s.interestConfirm},
		{get, "/interest/stop", page, pub, tokenLimit, "page_interest_stop", s.interestStopPage},
		{post, "/interest/stop", page, pub, tokenLimit, "page_interest_stopped", s.interestStop},

		// Waiting lists (pages_waitlist.go, pages_waitlist_entry.go).
		{get, "/sessions/:id/waitlist", page, pub, noLimit, "page_waitlist_join", s.waitlistJoinPage(publicJourney)},
		{post, "/sessions/:id/waitlist", page, pub, waitlistLimit, "page_waitlist_joined", s.waitlistJoin(publicJourney)},
		{get, "/waitlist/:reference", page, pub, tokenLimit, "page_waitlist_entry", s.waitlistEntryPage},
		{get, "/waitlist/:reference/leave", page, pub, tokenLimit, "page_waitlist_leave", s.waitlistLeavePage},
		{post, "/waitlist/:reference/leave", page, pub, tokenLimit, "page_waitlist_left", s.waitlistLeave},
		{post, "/waitlist/:reference/accept", page, pub, bookingLimit, "page_waitlist_accept", s.waitlistAccept},
		{post, "/waitlist/:reference/decline", page, pub, tokenLimit, "page_waitlist_decline", s.waitlistDecline},

		// The staff route (pages_staff*.go).
		{get, "/staff", page, pub, noLimit, "page_staff_start", s.staffStartPage},
		{get, "/staff/sessions/:id", page, pub, noLimit, "page_staff_session", s.sessionPage(staffJourney)},
		{post, "/staff/sessions/:id", page, pub, holdLimit, "page_staff_session_hold", s.sessionHold(staffJourney)},
		{post, "/staff/sessions/:id/change", page, pub, noLimit, "page_staff_session_change", s.sessionChange(staffJourney)},
		{get, "/staff/sessions/:id/waitlist", page, pub, noLimit, "page_staff_waitlist_join", s.waitlistJoinPage(staffJourney)},
		{post, "/staff/sessions/:id/waitlist", page, pub, waitlistLimit, "page_staff_waitlist_joined", s.waitlistJoin(staffJourney)},
		{post, "/staff/sessions/:id/release", page, pub, noLimit, "page_staff_session_release", s.sessionRelease(staffJourney)},
		{get, "/staff/holds/:hold_id/details", page, pub, noLimit, "page_staff_details", s.detailsPage(staffJourney)},
		{post, "/staff/holds/:hold_id/details", page, pub, bookingLimit, "page_staff_details_check", s.detailsCheck(staffJourney)},
		{post, "/staff/holds/:hold_id/confirm", page, pub, bookingLimit, "page_staff_confirm", s.confirmBooking(staffJourney)},
		{get, "/staff/bookings/:reference/sent", page, pub, tokenLimit, "page_staff_sent", s.staffSentPage},
		{post, "/staff/bookings/:reference/resend", page, pub, linkLimit, "page_staff_resend", s.staffResend},
		{get, "/staff/interest", page, pub, noLimit, "page_staff_interest", s.interestForm(staffJourney)},
		{post, "/staff/interest", page, pub, interestLimit, "page_staff_interest_register", s.interestRegister(staffJourney)},
		{get, "/staff/verify/:token", page, pub, tokenLimit, "page_staff_verify", s.staffVerifyPage},
		{post, "/staff/verify/:token", page, pub, bookingLimit, "page_staff_verify_confirm", s.staffVerifyConfirm},

		// Signing in and out (signin.go): open to everyone, the links and
		// the cookie are the credentials.
		{get, "/admin/sign-in", page, pub, noLimit, "signin_form", s.signInForm},
		{post, "/admin/sign-in", page, pub, noLimit, "signin_request", s.signInRequest},
		{get, "/admin/sign-in/:token", page, pub, tokenLimit, "signin_link", s.signInLink},
		{post, "/admin/sign-in/:token", page, pub, tokenLimit, "signin_use", s.signInUse},
		{post, "/admin/sign-out", page, pub, noLimit, "signout", s.signOut},

		// The organisers' pages (organiser*.go, attendance_pages.go, checkin.go, checkin_walkin.go).
		{get, "/admin", page, org, noLimit, "organiser_home", s.organiserHome},
		{get, "/admin/workshops/new", page, adm, noLimit, "organiser_workshop_new", s.organiserWorkshopForm},
		{post, "/admin/workshops", page, adm, noLimit, "organiser_workshop_create", s.organiserWorkshopCreate},
		{get, "/admin/workshops/:id", page, adm, noLimit, "organiser_workshop", s.organiserWorkshopPage},
		{get, "/admin/workshops/:id/edit", page, adm, noLimit, "organiser_workshop_edit", s.organiserWorkshopEdit},
		{post, "/admin/workshops/:id/edit", page, adm, noLimit, "organiser_workshop_update", s.organiserWorkshopUpdate},
		{post, "/admin/workshops/:id/archive", page, adm, noLimit, "organiser_workshop_archive", s.organiserWorkshopArchive(true)},
		{post, "/admin/workshops/:id/restore", page, adm, noLimit, "organiser_workshop_restore", s.organiserWorkshopArchive(false)},
		{get, "/admin/workshops/:id/sessions/new", page, adm, noLimit, "organiser_session_new", s.organiserSessionNew},
		{post, "/admin/workshops/:id/sessions", page, adm, noLimit, "organiser_session_create", s.organiserSessionCreate},
		{get, "/admin/workshops/:id/attendance", page, adm, noLimit, "page_workshop_attendance", s.workshopAttendancePage},
		{get, "/admin/sessions/:id", page, sess, noLimit, "organiser_session", s.organiserSessionPage},
		{get, "/admin/sessions/:id/edit", page, adm, noLimit, "organiser_session_edit", s.organiserSessionEdit},
		{post, "/admin/sessions/:id/edit", page, adm, noLimit, "organiser_session_update", s.organiserSessionUpdate},
		{get, "/admin/sessions/:id/duplicate", page, adm, noLimit, "organiser_session_duplicate", s.organiserSessionDuplicate},
		{get, "/admin/sessions/:id/cancel", page, adm, noLimit, "organiser_session_cancel", s.organiserCancelForm},
		{post, "/admin/sessions/:id/cancel", page, adm, noLimit, "organiser_session_cancel_confirm", s.organiserCancel},
		{get, "/admin/sessions/:id/message", page, adm, noLimit, "organiser_message", s.organiserMessageForm},
		{post, "/admin/sessions/:id/message", page, adm, noLimit, "organiser_message_send", s.organiserMessage},
		{get, "/admin/sessions/:id/message/sent", page, adm, noLimit, "organiser_message_sent", s.organiserMessageSent},
		{post, "/admin/sessions/:id/facilitators", page, adm, noLimit, "organiser_assign", s.organiserAssign},
		{post, "/admin/sessions/:id/facilitators/:organiser_id/remove", page, adm, noLimit, "organiser_unassign", s.organiserUnassign},
		{get, "/admin/sessions/:id/bookings/new", page, sess, noLimit, "organiser_phone", s.organiserPhoneForm},
		{post, "/admin/sessions/:id/bookings", page, sess, noLimit, "organiser_phone_book", s.organiserPhoneBook},
		{get, "/admin/sessions/:id/access-needs", page, sess, noLimit, "organiser_access_needs", s.organiserAccessNeeds},
		{get, "/admin/sessions/:id/draw", page, sess, noLimit, "organiser_draw", s.organiserDraw},
		{post, "/admin/sessions/:id/draw", page, adm, noLimit, "organiser_draw_run", s.organiserDrawRun},
		{get, "/admin/sessions/:id/people-to-phone", page, sess, noLimit, "organiser_people_to_phone", s.organiserPeopleToPhone},
		{get, "/admin/sessions/:id/attendance", page, sess, noLimit, "page_attendance", s.attendancePage},
		{get, "/admin/sessions/:id/check-in", page, sess, noLimit, "page_check_in", s.checkInPage},
		{post, "/admin/sessions/:id/check-in", page, sess, noLimit, "page_check_in_tick", s.checkInTick},
		{post, "/admin/sessions/:id/no-shows", page, sess, noLimit, "page_no_shows", s.checkInNoShows},
		{post, "/admin/sessions/:id/walk-ins", page, sess, noLimit, "page_walk_in", s.checkInWalkIn},
		{get, "/admin/attendance-assets/:file", page, org, noLimit, "page_attendance_asset", serve(s.attendanceAsset)},
		{get, "/admin/places", page, adm, noLimit, "organiser_places", s.organiserPlaces},
		{get, "/admin/participation", page, adm, noLimit, "organiser_participation", s.organiserParticipation},
		{get, "/admin/bookings", page, adm, noLimit, "organiser_search", s.organiserSearch},
		{get, "/admin/bookings/:reference", page, bkg, noLimit, "organiser_booking", s.organiserBookingPage},
		{get, "/admin/bookings/:reference/cancel", page, bkg, noLimit, "organiser_booking_cancel", s.organiserBookingCancelPage},
		{post, "/admin/bookings/:reference/cancel", page, bkg, noLimit, "organiser_booking_cancelled", s.organiserBookingCancel},
		{post, "/admin/bookings/:reference/resend", page, bkg, noLimit, "organiser_booking_resend", s.organiserBookingResend},
		{get, "/admin/bookings/:reference/edit", page, adm, noLimit, "organiser_booking_edit", s.organiserBookingEdit},
		{post, "/admin/bookings/:reference/edit", page, adm, noLimit, "organiser_booking_update", s.organiserBookingUpdate},
		{get, "/admin/bookings/:reference/move", page, adm, noLimit, "organiser_booking_move", s.organiserBookingMoveForm},
		{post, "/admin/bookings/:reference/move", page, adm, noLimit, "organiser_booking_moved", s.organiserBookingMove},
		{get, "/admin/audit", page, adm, noLimit, "organiser_audit", s.organiserAudit},
		{get, "/admin/competition", page, adm, noLimit, "organiser_competition", s.organiserCompetition},
		{get, "/admin/competition/entries/:reference", page, adm, noLimit, "organiser_competition_entry", s.organiserCompetitionEntry},
		{post, "/admin/competition/entries/:reference", page, adm, noLimit, "organiser_competition_judge", s.organiserJudgeEntry},
		{post, "/admin/competition/entries/:reference/erase", page, adm, noLimit, "organiser_competition_erase", s.organiserEraseEntry},
		{post, "/admin/competition/winners", page, adm, noLimit, "organiser_competition_publish", s.organiserPublishWinners},
		{get, "/admin/surveys", page, adm, noLimit, "organiser_surveys", s.organiserSurveys},
		{get, "/admin/surveys/new", page, adm, noLimit, "organiser_survey_new", s.organiserSurveyForm},
		{post, "/admin/surveys", page, adm, noLimit, "organiser_survey_create", s.organiserSurveyCreate},
		{get, "/admin/surveys/:id", page, adm, noLimit, "organiser_survey", s.organiserSurveyResults},
		{get, "/admin/surveys/:id/edit", page, adm, noLimit, "organiser_survey_edit", s.organiserSurveyEdit},
		{post, "/admin/surveys/:id", page, adm, noLimit, "organiser_survey_update", s.organiserSurveyUpdate},
		{post, "/admin/surveys/:id/close", page, adm, noLimit, "organiser_survey_close", s.organiserSurveyClose},
		{get, "/admin/surveys/:id/questions/:question_id", page, adm, noLimit, "organiser_survey_answers", s.organiserSurveyAnswers},
		{get, "/admin/interest", page, org, noLimit, "organiser_interest", s.organiserInterest},
		{get, "/admin/organisers", page, adm, noLimit, "organiser_accounts", s.organiserAccounts},
		{post, "/admin/organisers", page, adm, noLimit, "organiser_account_create", s.organiserAccountCreate},
		{get, "/admin/organisers/:organiser_id", page, adm, noLimit, "organiser_account", s.organiserAccountPage},
		{post, "/admin/organisers/:organiser_id", page, adm, noLimit, "organiser_account_update", s.organiserAccountUpdate},
	}
}

// serve adapts a handler that answers everything itself.
func serve(h gin.HandlerFunc) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		h(c)
		return nil
	}
}

// pageKey marks, on the Gin context, a request to a page route: its errors
// are shown as pages.
const pageKey = "workshops.page"

// register adds every route of the table to r: the mark of its kind, then
// its rate limit, its guard and its handler, in that order, so that a
// stranger's guesses count against the limit.
func (s *Server) register(r gin.IRouter) {
	for _, rt := range s.routes() {
		chain := []gin.HandlerFunc{s.mark(rt.kind)}
		if rt.limit != noLimit {
			chain = append(chain, s.limitOf(rt.limit))
		}
		if g := s.guardOf(rt.guard); g != nil {
			chain = append(chain, g)
		}
		chain = append(chain, s.handle(rt))
		r.Handle(rt.method, rt.path, chain...)
	}
}

func (s *Server) mark(k kind) gin.HandlerFunc {
	isPage := k == pageRoute
	return func(c *gin.Context) { c.Set(pageKey, isPage) }
}

// guardOf is the middleware of g (auth.go); nil for public routes.
func (s *Server) guardOf(g guard) gin.HandlerFunc {
	switch g {
	case anyOrganiser:
		return s.requireOrganiser
	case ofSession:
		return s.requireSessionAccess
	case ofBooking:
		return s.requireBookingAccess
	case adminOnly:
		return s.requireAdmin
	}
	return nil
}

// handle runs the route's handler and renders its error, timing it under
// the route's name.
func (s *Server) handle(rt route) gin.HandlerFunc {
	if rt.kind == rawRoute {
		return func(c *gin.Context) { _ = rt.handler(c) }
	}
	hist := s.metrics.latency.WithLabelValues(rt.name)
	return func(c *gin.Context) {
		start := time.Now()
		if err := rt.handler(c); err != nil {
			s.fail(c, err)
		}
		hist.Observe(time.Since(start).Seconds())
	}
}

// isPage says whether the request's errors are shown as pages: those of
// page routes, and where no route has said (middleware that runs before
// the route's) those of any address outside the API.
func isPage(c *gin.Context) bool {
	if v, ok := c.Get(pageKey); ok {
		return v.(bool)
	}
	return wantsPage(c)
}
